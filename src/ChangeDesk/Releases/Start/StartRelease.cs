using ChangeDesk.Data;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Releases.Start;

/// <summary>
/// Starts a release: by hand (an out-of-band release once its mitigation is recorded, a calendar release from its
/// planned start), or by the rollout job at a calendar release's planned start.
/// </summary>
public sealed class StartRelease(
    ChangeDeskDb db, CurrentUser user, RolloutQueries queries, ReleaseReader reader, TenantRollouts tenantRollouts, ReleaseCommunications comms,
    RolloutWakeUp wakeUp, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(Guid id, string? ifMatch, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        await db.WriteAsync("Start release", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, ifMatch, ct);
            var now = clock.GetUtcNow();
            release.EnsureAllows(ReleaseAction.Start);
            if (!release.IsEmergency && now < release.PlannedStart)
            {
                throw new ConflictException("before-planned-start",
                    $"{release.Title} is announced for {RolloutEngine.When(release.PlannedStart)} and starts then by itself; an emergency that cannot wait is an out-of-band release.")
                {
                    Extensions = { ["plannedStart"] = release.PlannedStart },
                };
            }
            await StartCoreAsync(release, now, ct);
        }, ct);
        wakeUp.Notify();
        return await reader.GetAsync(id, ct);
    }

    /// <summary>
    /// Starts a release (in the caller's write): each tenant's rollout takes a snapshot of the tenant's ring plan and
    /// gets its start post. An emergency release needs its mitigation recorded first.
    /// </summary>
    public async Task StartCoreAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        release.Start(now);
        ReleaseWrites.Touch(release, now);
        var rollouts = await tenantRollouts.SyncAsync(release, ct);
        var plans = await queries.PlansAsync(rollouts.Select(r => r.TenantId).ToList(), ct);
        foreach (var rollout in rollouts)
        {
            rollout.State = TenantRolloutState.InProgress;
            var position = 0;
            foreach (var ring in plans[rollout.TenantId])
            {
                var row = new RingRollout
                {
                    TenantRolloutId = rollout.Id,
                    ReleaseId = release.Id,
                    TenantId = rollout.TenantId,
                    Name = ring.Name,
                    Position = position++,
                    Devices = ring.Devices,
                    SharePercent = ring.SharePercent,
                    DeferralDays = ring.DeferralDays,
                    SoakDays = ring.SoakDays,
                    State = RingState.Pending,
                };
                rollout.Rings.Add(row);
                db.SignalAggregates.Add(new SignalAggregate { RingRolloutId = row.Id, ReleaseId = release.Id, TenantId = rollout.TenantId, Ring = ring.Name });
            }
            rollout.StartMessageId = await comms.PostStartAsync(release, rollout, now, ct);
        }
    }
}
