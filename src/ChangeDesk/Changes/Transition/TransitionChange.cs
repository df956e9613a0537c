using ChangeDesk.Approvals;
using ChangeDesk.Changes.Read;
using ChangeDesk.Data;
using ChangeDesk.Web;

namespace ChangeDesk.Changes.Transition;

/// <summary>
/// Moves a change through its lifecycle (announce, start, pause …) once the rules allow it: the notice period and the
/// mitigation-first rule before an announce, every approval before a start. The change raises the events whose
/// handlers post, ask for approvals, add the phase's checklist and queue webhooks and emails, in the same save.
/// </summary>
public sealed class TransitionChange(
    ChangeDeskDb db, ChangeAccess access, ChangeRules rules, ChangeReader reader, ApprovalService approvals, TimeProvider clock)
{
    public async Task<ChangeView> HandleAsync(int id, ChangeAction action, string? ifMatch, CancellationToken ct = default)
    {
        await db.WriteAsync($"{action} change", async () =>
        {
            var change = await access.LoadAsync(id, tracking: true, ct);
            EntityTags.CheckIfMatch(ifMatch, change.Version);
            access.EnsureCanWrite(change);
            change.EnsureAllowed(action);
            var now = clock.GetUtcNow();
            if (action == ChangeAction.Announce)
            {
                EmergencyRule.Enforce(change.IsEmergency, change.Mitigations.Select(m => m.AppliedAt), now, EmergencySubject.Change(change.Number, change.Id));
                rules.CheckNotice(change.PlannedStart, change.AdminActionRequired, change.IsEmergency, await access.TypeAsync(change, ct));
            }
            if (action == ChangeAction.Start && await approvals.HoldersAsync(change, ct) is { Count: > 0 } holders)
            {
                throw new ConflictException("approval-pending",
                    $"{change.Number} needs every targeted tenant's approval before it starts. Held back by: "
                    + string.Join("; ", holders.Select(h => $"{h.TenantName} ({EnumNames.Of(h.State)}{(h.Reason is null ? "" : $": {h.Reason}")})")) + ".")
                {
                    Extensions =
                    {
                        ["heldBy"] = holders.Select(h => new { tenantId = h.TenantId, tenant = h.TenantName, state = EnumNames.Of(h.State), reason = h.Reason }).ToArray(),
                    },
                };
            }
            change.Perform(action, now);
        }, ct);
        return await reader.GetAsync(id, ct);
    }
}
