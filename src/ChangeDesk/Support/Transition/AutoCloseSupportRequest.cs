using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// Closes a request resolved at least <see cref="SupportOptions.AutoCloseDays"/> ago that the customer has neither
/// closed nor reopened, and tells the requester. Run by <see cref="SupportAutoCloseJob"/> as the system.
/// </summary>
public sealed class AutoCloseSupportRequest(ChangeDeskDb db, TimeProvider clock, SupportOptions options, SupportNotifications notify)
{
    /// <summary>Returns false when the request no longer qualifies (another instance was first, or the customer acted).</summary>
    public Task<bool> HandleAsync(Guid id, CancellationToken ct = default) =>
        db.WriteAsync($"Close a support request {options.AutoCloseDays} days after it was resolved", async () =>
        {
            var now = clock.GetUtcNow();
            var request = await db.SupportRequests.ForUpdate().FirstOrDefaultAsync(r => r.Id == id, ct);
            if (request is not { State: SupportState.Resolved, ResolvedAt: { } resolved } || options.AutoCloseDays <= 0
                || now < resolved + TimeSpan.FromDays(options.AutoCloseDays))
            {
                return false;
            }
            var before = request.State;
            request.AutoClose(now);
            request.Touch(now);
            await notify.TransitionedAsync(request, SupportAction.Close, before, null, now, ct, automatic: true);
            db.AuditOperation = $"Close support request {request.Reference} {options.AutoCloseDays} days after it was resolved";
            return true;
        }, ct);
}
