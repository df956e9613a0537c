using ChangeDesk.Data;
using ChangeDesk.Releases.Start;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

/// <summary>Wakes the rollout job when something it acts on changed in this process (signals arrived, a person acted).</summary>
public sealed class RolloutWakeUp : WakeUp;

/// <summary>
/// Applies the rollout engine to every release that needs it: posts schedules when their notice is due, starts
/// calendar releases at their planned start, and for releases in progress starts and completes rings, pauses on
/// signal breaches (service-wide when the breach spans tenants) and completes rollouts. Several instances can run
/// at once: each release is claimed with a lease through a conditional update, as the outbox does.
/// </summary>
public sealed class RolloutJob(IServiceScopeFactory scopes, ReleaseOptions options, RolloutWakeUp wakeUp, TimeProvider clock, ILogger<RolloutJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await PeriodicJob.RunAsync(RunOnceAsync, ct => wakeUp.WaitAsync(options.PollInterval, clock, ct), logger, "Rollout", stoppingToken);
    }

    /// <summary>One pass over the releases that need attention; returns how many this instance worked on.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // Schedules fall due a few calendar days before the start; a day's margin covers any daylight-saving shift.
        var horizon = now.AddDays(options.ScheduleNoticeDays + 1);
        List<Guid> candidates;
        using (var scope = scopes.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("rollout engine");
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            candidates = await db.Releases
                .Where(r => r.State == ReleaseState.InProgress || (r.State == ReleaseState.Scheduled && r.Kind != ReleaseKind.OutOfBand && r.PlannedStart <= horizon))
                .OrderBy(r => r.PlannedStart).Select(r => r.Id).ToListAsync(ct);
        }
        var worked = 0;
        var owner = Guid.NewGuid().ToString("n");
        foreach (var id in candidates)
        {
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("rollout engine");
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            var until = now + options.Lease;
            var claimed = await db.Releases.Where(r => r.Id == id && (r.LeaseUntil == null || r.LeaseUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseOwner, owner).SetProperty(r => r.LeaseUntil, until), ct) == 1;
            if (!claimed)
            {
                continue; // another instance is on it
            }
            try
            {
                await scope.ServiceProvider.GetRequiredService<RolloutApplier>().ApplyAsync(id, now, ct);
                worked++;
            }
            catch (DbUpdateException e)
            {
                // Someone changed the release at the same moment (a person, or an instance whose lease had expired):
                // nothing of this pass was saved for it, and the next pass looks again.
                logger.LogInformation(e, "Rollout pass for release {Release} met a concurrent change; it is retried on the next pass", id);
            }
            catch (ProblemException e)
            {
                // A rule refused an automatic step (e.g. an emergency release without its mitigation): it waits for a person.
                logger.LogWarning("Rollout pass for release {Release} refused: {Detail}", id, e.Message);
            }
            finally
            {
                using var release = scopes.CreateScope();
                release.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("rollout engine");
                await release.ServiceProvider.GetRequiredService<ChangeDeskDb>().Releases.Where(r => r.Id == id && r.LeaseOwner == owner)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseOwner, (string?)null).SetProperty(r => r.LeaseUntil, (DateTimeOffset?)null), CancellationToken.None);
            }
        }
        return worked;
    }
}

/// <summary>Applies the engine's decisions to one release, in the transactions that also queue its messages and emails.</summary>
public sealed class RolloutApplier(
    ChangeDeskDb db, ReleaseOptions options, RolloutQueries queries, ReleaseReader reader, TenantRollouts tenantRollouts, StartRelease startRelease,
    ReleaseCommunications comms)
{
    public async Task ApplyAsync(Guid releaseId, DateTimeOffset now, CancellationToken ct)
    {
        var release = await db.Releases.Include(r => r.Changes).Include(r => r.Targets).AsSplitQuery().FirstOrDefaultAsync(r => r.Id == releaseId, ct);
        if (release is null)
        {
            return;
        }
        if (release.State == ReleaseState.Scheduled && !release.IsEmergency)
        {
            await PostSchedulesAsync(release, now, ct);
            if (now >= release.PlannedStart)
            {
                await db.WriteAsync("Start release on its planned start", () => startRelease.StartCoreAsync(release, now, ct), ct);
            }
        }
        if (release.State == ReleaseState.InProgress)
        {
            await AdvanceAsync(release, now, ct);
        }
    }

    async Task PostSchedulesAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        if (now < options.Calendar.ScheduleNoticeDue(release.PlannedStart, options.ScheduleNoticeDays))
        {
            return;
        }
        await db.WriteAsync("Post release schedule", async () =>
        {
            var rollouts = await tenantRollouts.SyncAsync(release, ct);
            var due = rollouts.Where(r => r.ScheduleMessageId is null).ToList();
            if (due.Count == 0)
            {
                return;
            }
            await db.SaveChangesAsync(ct);
            var plans = await queries.PlansAsync(due.Select(r => r.TenantId).ToList(), ct);
            var conflicts = await reader.ConflictsAsync(release, now, ct);
            foreach (var rollout in due)
            {
                rollout.ScheduleMessageId = await comms.PostScheduleAsync(release, rollout.TenantId, plans[rollout.TenantId],
                    conflicts.Where(c => c.TenantId == rollout.TenantId).ToList(), now, ct);
            }
        }, ct);
    }

    async Task AdvanceAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        var snapshot = await queries.LoadAsync(release, null, now, tracking: true, ct);
        var decisions = snapshot.Tenants.ToDictionary(t => t, t => RolloutEngine.Decide(t.Input));
        var breaching = decisions.Where(d => d.Value.IsBreaching).Select(d => d.Key).ToList();
        var serviceWidePaused = snapshot.Pauses.Any(p => p.TenantId == null && p.LiftedAt == null && p.Cause == PauseCause.SignalBreach);
        if (!serviceWidePaused && breaching.Count > 0 && options.IsServiceWide(breaching.Count, snapshot.Tenants.Count))
        {
            await PauseServiceWideAsync(release, snapshot, breaching, decisions, now, ct);
            return; // the next pass decides again with the pause in force
        }

        foreach (var (tenant, decision) in decisions)
        {
            if (decision.Actions.Count == 0)
            {
                continue;
            }
            await db.WriteAsync($"Rollout engine for {tenant.TenantName}", async () =>
            {
                var rollout = tenant.Rollout;
                var rings = rollout.Rings.ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
                var done = new List<string>();
                foreach (var action in decision.Actions)
                {
                    switch (action)
                    {
                        case StartRing start:
                            rings[start.Ring].State = RingState.Deploying;
                            rings[start.Ring].StartedAt = now;
                            rings[start.Ring].Expedited = start.Expedited;
                            done.Add($"start ring {start.Ring}{(start.Expedited ? " (expedited)" : "")}");
                            break;
                        case CompleteRing complete:
                            rings[complete.Ring].State = RingState.Completed;
                            rings[complete.Ring].CompletedAt = now;
                            done.Add($"complete ring {complete.Ring}");
                            break;
                        case PauseForBreach breach:
                            var pause = new RolloutPause
                            {
                                ReleaseId = release.Id,
                                TenantId = rollout.TenantId,
                                Side = PauseSide.Provider,
                                Cause = PauseCause.SignalBreach,
                                Reason = breach.Reason,
                                Ring = breach.Ring,
                                PausedAt = now,
                                PausedBy = "ChangeDesk (signal thresholds)",
                            };
                            db.RolloutPauses.Add(pause);
                            await comms.PausedAsync(release, pause, [rollout.TenantId], $"{tenant.TenantName}: {breach.Reason}", now, ct);
                            done.Add($"pause on a signal breach in ring {breach.Ring}");
                            break;
                        case CompleteRollout:
                            rollout.State = TenantRolloutState.Completed;
                            rollout.CompletedAt = now;
                            rollout.SummaryMessageId = await comms.PostSummaryAsync(release, rollout, ReleaseCommunications.Outcomes(rollout, tenant.Aggregates), now, ct);
                            done.Add("complete the rollout");
                            break;
                    }
                }
                // The rollout's version also counts its rings' progress, which the save sees only on the rings.
                rollout.Version++;
                db.AuditOperation = $"Rollout engine for {tenant.TenantName}: {string.Join(", ", done)}";
            }, ct);
        }

        if (snapshot.Tenants.Count > 0 && snapshot.Tenants.All(t => t.Rollout.State == TenantRolloutState.Completed))
        {
            await db.WriteAsync("Complete release", async () =>
            {
                release.Complete(now);
                release.UpdatedAt = now;
                await comms.ReleaseCompletedAsync(release,
                    snapshot.Tenants.Select(t => (t.TenantName, (IReadOnlyList<ReleaseCommunications.RingOutcome>)ReleaseCommunications.Outcomes(t.Rollout, t.Aggregates))).ToList(), now, ct);
            }, ct);
        }
    }

    /// <summary>A breach across tenants pauses the release for every tenant, with one advisory that names no tenant.</summary>
    async Task PauseServiceWideAsync(Release release, RolloutSnapshot snapshot, List<TenantSnapshot> breaching,
        Dictionary<TenantSnapshot, RolloutDecision> decisions, DateTimeOffset now, CancellationToken ct)
    {
        var metrics = breaching.SelectMany(t => decisions[t].Breaches).Select(b => b.Metric switch
        {
            SignalMetric.InstallFailureRate => "install failure rate",
            SignalMetric.ReliabilityEvents => "reliability events",
            _ => "support requests",
        }).Distinct();
        var reason = $"Signal thresholds breached in {breaching.Count} of {snapshot.Tenants.Count} tenants ({string.Join(", ", metrics)}).";
        var detail = string.Join(" ", breaching.Select(t => $"{t.TenantName}: {string.Join("; ", decisions[t].Breaches.Select(b => b.Detail))}."));
        await db.WriteAsync("Rollout engine: pause for every tenant on a signal breach across tenants", async () =>
        {
            // Pauses take turns on the release's row (as a release manager's pause does): a service-wide pause the
            // provider made since the snapshot already holds every tenant, and a second would be posted twice.
            await db.Releases.Where(r => r.Id == release.Id).LockAsync(ct);
            if (await db.RolloutPauses.AnyAsync(p => p.ReleaseId == release.Id && p.TenantId == null && p.Side == PauseSide.Provider && p.LiftedAt == null, ct))
            {
                return;
            }
            var pause = new RolloutPause
            {
                ReleaseId = release.Id,
                TenantId = null,
                Side = PauseSide.Provider,
                Cause = PauseCause.SignalBreach,
                Reason = reason,
                PausedAt = now,
                PausedBy = "ChangeDesk (signal thresholds)",
            };
            db.RolloutPauses.Add(pause);
            await comms.PausedAsync(release, pause, snapshot.Tenants.Where(t => t.Rollout.State == TenantRolloutState.InProgress).Select(t => t.Rollout.TenantId).ToList(),
                detail, now, ct);
        }, ct);
    }
}
