using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// Support engineers assign a request to one of the provider's active support engineers, by id or email, or unassign
/// it; the assignee hears of it unless they assigned themself.
/// </summary>
public sealed class AssignSupportRequest(ChangeDeskDb db, CurrentUser user, TimeProvider clock, SupportNotifications notify, SupportRequestReader reader)
{
    public async Task<SupportRequestView> HandleAsync(string reference, Guid? assigneeId, string? assigneeEmail, string? ifMatch, CancellationToken ct = default)
    {
        var number = SupportRequestAccess.Normalize(reference);
        var email = assigneeEmail?.Trim().ToLowerInvariant();
        var unassign = assigneeId is null && string.IsNullOrEmpty(email);
        await db.WriteAsync(unassign ? $"Unassign support request {number}" : $"Assign support request {number}", async () =>
        {
            var request = await SupportRequestAccess.LoadForWriteAsync(db, number, ifMatch, ct);
            var now = clock.GetUtcNow();
            if (!user.Is(Role.SupportEngineer))
            {
                throw new ForbiddenException("Support engineers assign requests.");
            }
            if (request.State == SupportState.Closed)
            {
                throw SupportRequestAccess.Closed(request);
            }
            User? assignee = null;
            if (!unassign)
            {
                assignee = await db.Users.FirstOrDefaultAsync(u => assigneeId != null ? u.Id == assigneeId : u.Email == email, ct);
                if (assignee is not { TenantId: null, Role: Role.SupportEngineer, IsDisabled: false })
                {
                    throw ValidationFailedException.For(assigneeId is not null ? "assigneeId" : "assigneeEmail",
                        $"'{(object?)assigneeId ?? email}' is not an active support engineer: requests are assigned to the provider's support engineers.");
                }
            }
            if (request.AssigneeId == assignee?.Id)
            {
                return;
            }
            request.AssigneeId = assignee?.Id;
            request.AssigneeName = assignee?.DisplayName;
            request.Touch(now);
            await notify.AssignedAsync(request, assignee, now, ct);
            if (assignee is not null)
            {
                db.AuditOperation = $"Assign support request {request.Reference} to {assignee.DisplayName}";
            }
        }, ct);
        return await reader.GetAsync(number, ct);
    }
}
