using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Support;

/// <summary>
/// A comment both sides see, or an internal note of the provider's that the tenant never sees. The provider's first
/// public comment is its first response; the customer's comment on a request waiting on it hands it back.
/// </summary>
public sealed class CommentOnSupportRequest(ChangeDeskDb db, CurrentUser user, TimeProvider clock, SupportNotifications notify, SupportRequestReader reader)
{
    public async Task<SupportRequestView> HandleAsync(string reference, string? body, bool isInternal, CancellationToken ct = default)
    {
        var number = SupportRequestAccess.Normalize(reference);
        await db.WriteAsync(isInternal ? $"Add internal note to {number}" : $"Comment on {number}", async () =>
        {
            var request = await SupportRequestAccess.LoadForWriteAsync(db, number, null, ct);
            var now = clock.GetUtcNow();
            var party = SupportRequestAccess.WorkingParty(user, request) ?? throw new ForbiddenException(
                "Comments are written by the provider's support engineers and the tenant's admins; your role reads only.");
            if (isInternal && party != Party.Provider)
            {
                throw new ForbiddenException("Internal notes are the provider's: tenants post comments, which the provider and the tenant both see.");
            }
            var text = body?.Trim() ?? "";
            if (text.Length is 0 or > SupportComment.MaxBody)
            {
                throw ValidationFailedException.For("body", $"A comment needs text, at most {SupportComment.MaxBody:N0} characters.");
            }
            if (!SupportStateMachine.TakesComments(request.State))
            {
                throw SupportRequestAccess.Closed(request);
            }
            var comment = SupportRequestAccess.AddComment(db, user, request, party, text, isInternal, now);
            if (isInternal)
            {
                // The tenant sees nothing of it: the request itself does not change.
                return;
            }
            var before = request.State;
            if (party == Party.Provider)
            {
                request.FirstResponseAt ??= now;
            }
            else
            {
                request.CustomerCommented();
            }
            request.Touch(now);
            await notify.CommentedAsync(request, comment, before, now, ct);
            if (before != request.State)
            {
                db.AuditOperation = $"Comment on {request.Reference}, back to {EnumNames.Of(request.State)}";
            }
        }, ct);
        return await reader.GetAsync(number, ct);
    }
}
