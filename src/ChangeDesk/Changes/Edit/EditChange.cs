using ChangeDesk.Approvals;
using ChangeDesk.Changes.Checklist;
using ChangeDesk.Changes.Read;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Web;

namespace ChangeDesk.Changes.Edit;

/// <summary>
/// Replaces the content of a change until it has ended. An announced change keeps its post, approvals and checklist in
/// step with the new content and targets.
/// </summary>
public sealed class EditChange(
    ChangeDeskDb db, ChangeAccess access, ChangeRules rules, ChangeReader reader, ChangeRecipients recipients, ChecklistTasks checklist,
    MessagePublisher messages, ApprovalService approvals, TimeProvider clock)
{
    public async Task<ChangeView> HandleAsync(int id, ChangeInput input, string? ifMatch, CancellationToken ct = default)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        await db.WriteAsync("Edit change", async () =>
        {
            var change = await access.LoadAsync(id, tracking: true, ct);
            EntityTags.CheckIfMatch(ifMatch, change.Version);
            access.EnsureCanWrite(change);
            if (!ChangeStateMachine.IsEditable(change.State))
            {
                throw new ConflictException("not-editable", $"{change.Number} is {EnumNames.Of(change.State)} and can no longer be edited.");
            }
            var valid = input.Validate(await access.TypesAsync(ct), customerOwned: change.OwnerTenantId is not null);
            await rules.EnsureTargetsExistAsync(valid.TargetTenantIds, ct);
            await rules.EnsureResponsibleAsync(valid.Type, valid.Scope, change.OwnerTenantId, valid.TargetTenantIds, ct);
            var renotified = valid.PlannedStart != change.PlannedStart
                || (valid.AdminActionRequired && !change.AdminActionRequired)
                || (change.IsEmergency && !valid.IsEmergency);
            if (change.State != ChangeState.Draft && renotified)
            {
                // Moving an announced change, or newly asking admins to act on it without the emergency exemption, is a
                // new notice: the notice period counts again from now.
                rules.CheckNotice(valid.PlannedStart, valid.AdminActionRequired, valid.IsEmergency, valid.Type);
            }
            var now = clock.GetUtcNow();
            var owingBefore = await checklist.OwingAsync(change, ct);
            change.Describe(valid);
            await checklist.RetargetAsync(change, valid.Type, owingBefore, now, ct);
            change.Touch(now);
            await messages.ReviseAsync(change, valid.Type, now, ct);
            if (change.State != ChangeState.Draft)
            {
                await approvals.SyncDeadlineAsync(change, ct);
                await approvals.RequestAsync(change, await recipients.OfAsync(change, ct), now, ct);
            }
        }, ct);
        return await reader.GetAsync(id, ct);
    }
}
