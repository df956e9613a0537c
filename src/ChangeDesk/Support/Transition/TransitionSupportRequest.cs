using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Support;

/// <summary>
/// Takes a lifecycle action (<see cref="SupportStateMachine"/>) on a request, as the side the action belongs to, with
/// an optional public comment. The provider's first action is its first response.
/// </summary>
public sealed class TransitionSupportRequest(ChangeDeskDb db, CurrentUser user, TimeProvider clock, SupportNotifications notify, SupportRequestReader reader)
{
    public async Task<SupportRequestView> HandleAsync(string reference, SupportAction action, string? comment, string? ifMatch, CancellationToken ct = default)
    {
        var number = SupportRequestAccess.Normalize(reference);
        await db.WriteAsync($"{Operation(action)} {number}", async () =>
        {
            var request = await SupportRequestAccess.LoadForWriteAsync(db, number, ifMatch, ct);
            var now = clock.GetUtcNow();
            var party = SupportRequestAccess.WorkingParty(user, request);
            var by = SupportStateMachine.TakenBy(action);
            if (party != by)
            {
                throw new ForbiddenException(by == Party.Provider
                    ? $"Only the provider's support engineers can {Verb(action)} a support request."
                    : $"Only the admins of the tenant that filed {request.Reference} can {Verb(action)} it.");
            }
            // Refused here, before anything else is checked; a comment that is then refused rolls the step back.
            var before = request.Take(action, by, now);
            var text = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
            if (text?.Length > SupportComment.MaxBody)
            {
                throw ValidationFailedException.For("comment", $"A comment must be {SupportComment.MaxBody:N0} characters or fewer.");
            }
            if (by == Party.Provider)
            {
                request.FirstResponseAt ??= now;
            }
            var added = text is null ? null : SupportRequestAccess.AddComment(db, user, request, by, text, false, now);
            request.Touch(now);
            await notify.TransitionedAsync(request, action, before, added, now, ct);
        }, ct);
        return await reader.GetAsync(number, ct);
    }

    static string Verb(SupportAction action) => EnumNames.Of(action).Replace('-', ' ');

    /// <summary>How the audit trail names the action.</summary>
    static string Operation(SupportAction action) => action switch
    {
        SupportAction.Start => "Start work on",
        SupportAction.WaitOnCustomer => "Wait on the customer for",
        SupportAction.Resume => "Resume work on",
        SupportAction.Resolve => "Resolve",
        SupportAction.Close => "Close",
        _ => "Reopen",
    };
}
