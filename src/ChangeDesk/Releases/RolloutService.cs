using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

public sealed record PauseInputBody(Guid? TenantId, string? Reason);

/// <summary>
/// Pause, resume and expedite, with their precedence: a tenant's admins pause and resume their own tenant's rollout;
/// the provider's release managers pause one tenant or every tenant, lift their own pauses, and expedite — but never
/// lift or override a tenant's pause.
/// </summary>
public sealed class RolloutService(
    ChangeDeskDb db, CurrentUser user, RolloutQueries queries, ReleaseCommunications comms, RolloutWakeUp wakeUp, TimeProvider clock)
{
    PauseSide Side()
    {
        if (user.Is(Role.ProviderAdmin, Role.ReleaseManager))
        {
            return PauseSide.Provider;
        }
        if (user.Is(Role.TenantAdmin))
        {
            return PauseSide.Tenant;
        }
        throw new ForbiddenException($"Your role ({user.Role?.Name() ?? "none"}) cannot pause or resume rollouts: release managers, provider admins and tenant admins can.");
    }

    /// <summary>The tenant a request is about: a customer's own; for the provider the one named, or null for every tenant.</summary>
    Guid? ScopeOf(PauseSide side, Guid? tenantId)
    {
        if (side == PauseSide.Provider)
        {
            return tenantId;
        }
        if (tenantId is { } other && other != user.TenantId)
        {
            throw new ForbiddenException("A tenant's admins pause and resume their own tenant's rollout only.");
        }
        return user.TenantId;
    }

    /// <summary>
    /// Loads the release and its tenants' rollouts to pause, resume or expedite them. These writes take turns on the
    /// release's row: of two pauses sent at once the second finds the first, and a pause is lifted once.
    /// </summary>
    async Task<(Release Release, List<TenantRollout> Rollouts)> LoadAsync(Guid releaseId, Guid? tenant, CancellationToken ct)
    {
        await db.Releases.Where(r => r.Id == releaseId).LockAsync(ct);
        var release = await db.Releases.Include(r => r.Changes).FirstOrDefaultAsync(r => r.Id == releaseId, ct) ?? throw new NotFoundException("Release", releaseId);
        var rollouts = await db.TenantRollouts.Include(r => r.Rings).Where(r => r.ReleaseId == releaseId && (tenant == null || r.TenantId == tenant)).ToListAsync(ct);
        if (tenant is { } t && rollouts.Count == 0)
        {
            throw new NotFoundException("Tenant rollout", $"{t} in {release.Title}");
        }
        return (release, rollouts);
    }

    static string CheckReason(string? reason, bool required)
    {
        var trimmed = reason?.Trim() ?? "";
        if ((required && trimmed.Length == 0) || trimmed.Length > 1000)
        {
            throw ValidationFailedException.For("reason", required ? "Give the reason (1 to 1,000 characters): the other side reads it." : "The reason must be 1,000 characters or fewer.");
        }
        return trimmed;
    }

    public async Task<RolloutView> PauseAsync(Guid releaseId, Guid? tenantId, string? reason, CancellationToken ct)
    {
        var side = Side();
        var scope = ScopeOf(side, tenantId);
        var why = CheckReason(reason, required: true);
        var operation = scope is null ? "Pause rollout for every tenant" : side == PauseSide.Tenant ? "Pause rollout (tenant)" : "Pause rollout for a tenant";
        await db.WriteAsync(operation, async () =>
        {
            var (release, rollouts) = await LoadAsync(releaseId, scope, ct);
            release.EnsureAllows(ReleaseAction.Pause);
            var existing = await db.RolloutPauses.AnyAsync(p => p.ReleaseId == releaseId && p.LiftedAt == null && p.Side == side && p.TenantId == scope, ct);
            if (existing)
            {
                throw new ConflictException("already-paused", scope is null
                    ? $"{release.Title} is already paused for every tenant by the provider."
                    : $"{release.Title} is already paused for this tenant by the {EnumNames.Of(side)}.");
            }
            var now = clock.GetUtcNow();
            var pause = new RolloutPause
            {
                ReleaseId = releaseId,
                TenantId = scope,
                Side = side,
                Cause = PauseCause.Manual,
                Reason = why,
                PausedAt = now,
                PausedById = user.Id,
                PausedBy = user.Name,
            };
            db.RolloutPauses.Add(pause);
            await comms.PausedAsync(release, pause, rollouts.Select(r => r.TenantId).ToList(), null, now, ct);
        }, ct);
        wakeUp.Notify();
        return await queries.ViewAsync(releaseId, scope, ct);
    }

    public async Task<RolloutView> ResumeAsync(Guid releaseId, Guid? tenantId, string? reason, CancellationToken ct)
    {
        var side = Side();
        var scope = ScopeOf(side, tenantId);
        var why = CheckReason(reason, required: false);
        await db.WriteAsync("Resume rollout", async () =>
        {
            var (release, rollouts) = await LoadAsync(releaseId, scope, ct);
            release.EnsureAllows(ReleaseAction.Resume);
            var active = await db.RolloutPauses.Where(p => p.ReleaseId == releaseId && p.LiftedAt == null && (p.TenantId == scope || (scope != null && p.TenantId == null)))
                .ToListAsync(ct);
            var mine = active.Where(p => p.Side == side && p.TenantId == scope).ToList();
            if (mine.Count == 0)
            {
                var other = active.FirstOrDefault(p => p.Side != side) ?? active.FirstOrDefault(p => p.TenantId != scope);
                throw other switch
                {
                    { Side: PauseSide.Tenant } => new ConflictException("paused-by-tenant",
                        $"The tenant paused this rollout on {RolloutEngine.When(other.PausedAt)} ({other.Reason}): only the tenant's admins can lift their pause."),
                    { Side: PauseSide.Provider, TenantId: null } when side == PauseSide.Provider => new ConflictException("not-paused",
                        $"This tenant has no pause of its own; the pause for every tenant is lifted without naming a tenant."),
                    { Side: PauseSide.Provider } => new ConflictException("paused-by-provider",
                        $"The provider paused this rollout on {RolloutEngine.When(other.PausedAt)} ({other.Reason}): only the provider can lift its pause."),
                    _ => new ConflictException("not-paused", $"{release.Title} is not paused {(scope is null ? "for every tenant" : "for this tenant")} by the {EnumNames.Of(side)}."),
                };
            }
            var now = clock.GetUtcNow();
            foreach (var p in mine)
            {
                p.LiftedAt = now;
                p.LiftedById = user.Id;
                p.LiftedBy = user.Name;
                p.LiftReason = why.Length == 0 ? null : why;
            }
            if (mine.Any(p => p.Cause == PauseCause.SignalBreach))
            {
                await AcceptSignalsAsync(releaseId, rollouts, ct);
            }
            // What still holds each tenant after this lift, for the advisory.
            var remaining = active.Except(mine).Select(p => p.Side == PauseSide.Tenant ? $"paused by the tenant ({p.Reason})"
                : p.TenantId is null ? $"paused by the provider for every tenant ({p.Reason})" : $"paused by the provider ({p.Reason})").ToList();
            await comms.ResumedAsync(release, mine, rollouts.Select(r => r.TenantId).ToList(), remaining, now, ct);
            db.AuditOperation = mine.Any(p => p.Cause == PauseCause.SignalBreach) ? "Resume rollout after a signal breach" : "Resume rollout";
        }, ct);
        wakeUp.Notify();
        return await queries.ViewAsync(releaseId, scope, ct);
    }

    /// <summary>
    /// Lifting a breach pause accepts the signals received so far: the provider decided to go on with them, so the
    /// thresholds judge what arrives from now on (otherwise the same counts would pause the rollout again at once).
    /// </summary>
    async Task AcceptSignalsAsync(Guid releaseId, List<TenantRollout> rollouts, CancellationToken ct)
    {
        var ringIds = rollouts.SelectMany(r => r.Rings).Select(r => r.Id).ToList();
        var aggregates = await db.SignalAggregates.IgnoreQueryFilters().AsNoTracking().Where(a => ringIds.Contains(a.RingRolloutId)).ToDictionaryAsync(a => a.RingRolloutId, ct);
        var support = await queries.SupportCountsAsync(releaseId, ct);
        foreach (var rollout in rollouts)
        {
            foreach (var ring in rollout.Rings.Where(r => r.State == RingState.Deploying && aggregates.ContainsKey(r.Id)))
            {
                var a = aggregates[ring.Id];
                ring.BaselineInstallSuccesses = a.InstallSuccesses;
                ring.BaselineInstallFailures = a.InstallFailures;
                ring.BaselineReliabilityEvents = a.ReliabilityEvents;
                ring.Version++;
            }
            rollout.BaselineSupportRequests = support.GetValueOrDefault(rollout.TenantId);
            // A resume is a new version of the rollout and its deploying rings even when the counts did not move.
            rollout.Version++;
        }
    }

    public async Task<RolloutView> ExpediteAsync(Guid releaseId, Guid? tenantId, string? reason, CancellationToken ct)
    {
        if (!user.Is(Role.ProviderAdmin, Role.ReleaseManager))
        {
            throw new ForbiddenException("Expediting a rollout is the provider's decision: release managers and provider admins can.");
        }
        var why = CheckReason(reason, required: true);
        await db.WriteAsync(tenantId is null ? "Expedite rollout for every tenant" : "Expedite rollout for a tenant", async () =>
        {
            var (release, rollouts) = await LoadAsync(releaseId, tenantId, ct);
            release.EnsureAllows(ReleaseAction.Expedite);
            var now = clock.GetUtcNow();
            var targets = rollouts.Where(r => r.State == TenantRolloutState.InProgress).ToList();
            foreach (var rollout in targets)
            {
                rollout.ExpeditedAt = now;
                rollout.ExpeditedBy = user.Name;
                rollout.ExpediteReason = why;
            }
            await comms.ExpeditedAsync(release, targets.Select(r => r.TenantId).ToList(), why, now, ct);
        }, ct);
        wakeUp.Notify();
        return await queries.ViewAsync(releaseId, tenantId, ct);
    }
}
