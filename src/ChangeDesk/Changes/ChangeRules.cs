using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes;

/// <summary>The checks of a change's content that need the database or the clock: targets, the matrix and the notice rule.</summary>
public sealed class ChangeRules(ChangeDeskDb db, WhoMayDeliver delivery, TimeProvider clock, ServiceOptions options)
{
    public void CheckNotice(DateTimeOffset plannedStart, bool adminAction, bool emergency, ChangeType type) =>
        NoticePolicy.Check(clock.GetUtcNow(), plannedStart, adminAction, emergency, type.NoticeDays, options.Zone).EnsureAllowed(type.Name, type.NoticeDays);

    public async Task EnsureTargetsExistAsync(List<Guid> tenantIds, CancellationToken ct)
    {
        if (tenantIds.Count == 0)
        {
            return;
        }
        var known = await db.Tenants.Where(t => EF.Parameter(tenantIds).Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        var unknown = tenantIds.Except(known).ToList();
        if (unknown.Count > 0)
        {
            throw ValidationFailedException.For("targetTenantIds", $"Unknown tenant(s): {string.Join(", ", unknown)}.");
        }
    }

    /// <summary>The matrix decides who may deliver a change: the party responsible for the type's activity in its scope.</summary>
    public Task EnsureResponsibleAsync(ChangeType type, Scope scope, Guid? ownerTenant, List<Guid> targets, CancellationToken ct) =>
        delivery.EnsureAsync(type.DeliveringActivity, type.Name, scope, ownerTenant, targets, ct);
}
