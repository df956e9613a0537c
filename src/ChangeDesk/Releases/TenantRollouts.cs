using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

/// <summary>A release's rollout in each tenant it reaches: kept in step with its targets, and its posted schedules with its content.</summary>
public sealed class TenantRollouts(ChangeDeskDb db, RolloutQueries queries, ReleaseReader reader, ReleaseCommunications comms)
{
    /// <summary>Keeps one tenant rollout per tenant the release reaches: added for new targets, removed (before the start) for dropped ones.</summary>
    public async Task<List<TenantRollout>> SyncAsync(Release release, CancellationToken ct)
    {
        var wanted = release.TargetsAllTenants
            ? await db.Tenants.IgnoreQueryFilters().Select(t => t.Id).ToListAsync(ct)
            : release.Targets.Select(t => t.TenantId).ToList();
        var rollouts = await db.TenantRollouts.IgnoreQueryFilters().Include(r => r.Rings).Where(r => r.ReleaseId == release.Id).ToListAsync(ct);
        foreach (var gone in rollouts.Where(r => !wanted.Contains(r.TenantId) && r.State == TenantRolloutState.Planned && r.ScheduleMessageId is null).ToList())
        {
            db.TenantRollouts.Remove(gone);
            rollouts.Remove(gone);
        }
        foreach (var tenant in wanted.Except(rollouts.Select(r => r.TenantId)))
        {
            var rollout = new TenantRollout { ReleaseId = release.Id, TenantId = tenant, State = TenantRolloutState.Planned };
            db.TenantRollouts.Add(rollout);
            rollouts.Add(rollout);
        }
        return rollouts;
    }

    /// <summary>Revises the schedule posts already sent, so tenants see the release as it now stands.</summary>
    public async Task ReviseSchedulesAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        var posted = await db.TenantRollouts.IgnoreQueryFilters().Where(r => r.ReleaseId == release.Id && r.ScheduleMessageId != null).ToListAsync(ct);
        if (posted.Count == 0)
        {
            return;
        }
        var plans = await queries.PlansAsync(posted.Select(p => p.TenantId).ToList(), ct);
        var conflicts = await reader.ConflictsAsync(release, now, ct);
        foreach (var rollout in posted)
        {
            await comms.ReviseScheduleAsync(release, rollout.ScheduleMessageId!, rollout.TenantId, plans[rollout.TenantId],
                conflicts.Where(c => c.TenantId == rollout.TenantId).ToList(), now, ct);
        }
    }
}
