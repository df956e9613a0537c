using ChangeDesk.Approvals;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

/// <summary>One tenant's rollout as the engine sees it, with the rows it was read from.</summary>
public sealed class TenantSnapshot
{
    public required TenantRollout Rollout { get; init; }
    public required string TenantName { get; init; }
    public required RolloutInput Input { get; init; }
    public required IReadOnlyList<RolloutPause> ActivePauses { get; init; }
    public required IReadOnlyDictionary<Guid, SignalAggregate> Aggregates { get; init; }
    public long SupportRequests { get; init; }
}

public sealed record RolloutSnapshot(Release Release, SignalThresholds Thresholds, IReadOnlyList<TenantSnapshot> Tenants, IReadOnlyList<RolloutPause> Pauses);

/// <summary>
/// Reads rollouts: the engine's input per tenant (for the rollout job, the gating API and the pages), the rollout
/// view with its signal history for charts, and gate answers. Reads go through the tenant query filters, so a
/// customer only ever reads its own tenant's rollout.
/// </summary>
public sealed class RolloutQueries(ChangeDeskDb db, CurrentUser user, ReleaseOptions options, Support.SupportRequestCounts support, TimeProvider clock)
{
    public async Task<RolloutSnapshot> LoadAsync(Release release, Guid? onlyTenant, DateTimeOffset now, bool tracking, CancellationToken ct)
    {
        IQueryable<TenantRollout> rollouts = db.TenantRollouts.Include(r => r.Rings).Where(r => r.ReleaseId == release.Id);
        if (onlyTenant is { } only)
        {
            rollouts = rollouts.Where(r => r.TenantId == only);
        }
        var rows = await (tracking ? rollouts : rollouts.AsNoTracking()).ToListAsync(ct);
        var tenantIds = rows.Select(r => r.TenantId).ToList();
        var names = await db.Tenants.AsNoTracking().Where(t => tenantIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var pauses = await (tracking ? db.RolloutPauses : db.RolloutPauses.AsNoTracking())
            .Where(p => p.ReleaseId == release.Id && (p.TenantId == null || tenantIds.Contains(p.TenantId.Value)))
            .OrderBy(p => p.PausedAt).ToListAsync(ct);
        var aggregates = await db.SignalAggregates.AsNoTracking().Where(a => a.ReleaseId == release.Id && tenantIds.Contains(a.TenantId))
            .ToDictionaryAsync(a => a.RingRolloutId, ct);
        var windows = await db.BlackoutWindows.AsNoTracking()
            .Where(w => w.End > now && (w.TenantId == null || tenantIds.Contains(w.TenantId.Value))).ToListAsync(ct);
        var plans = await PlansAsync(rows.Where(r => r.Rings.Count == 0).Select(r => r.TenantId).ToList(), ct);
        var pending = await PendingApprovalsAsync(release, tenantIds, ct);
        var supportCounts = await support.CountsAsync(release.Id, ct);
        var thresholds = options.ThresholdsFor(release);

        var states = new List<TenantSnapshot>();
        foreach (var rollout in rows.OrderBy(r => names.GetValueOrDefault(r.TenantId)))
        {
            var rings = rollout.Rings.Count > 0
                ? rollout.Rings.OrderBy(r => r.Position).Select(r => new RingInput(r.Name, r.DeferralDays, r.SoakDays, r.State, r.StartedAt,
                    Totals(r, aggregates.GetValueOrDefault(r.Id)))).ToList()
                : plans[rollout.TenantId].Select(d => new RingInput(d.Name, d.DeferralDays, d.SoakDays, RingState.Pending, null, SignalTotals.None)).ToList();
            var active = pauses.Where(p => p.LiftedAt == null && (p.TenantId == null || p.TenantId == rollout.TenantId)).ToList();
            var supportRequests = supportCounts.GetValueOrDefault(rollout.TenantId);
            var input = new RolloutInput
            {
                ReleaseState = release.State,
                PlannedStart = release.PlannedStart,
                StartedAt = release.StartedAt,
                BlackoutOverridden = release.BlackoutOverrideReason is not null,
                ExpeditedAt = rollout.ExpeditedAt,
                Completed = rollout.State == TenantRolloutState.Completed,
                Rings = rings,
                Thresholds = thresholds,
                SupportRequests = Math.Max(0, supportRequests - rollout.BaselineSupportRequests),
                PendingApprovals = pending.GetValueOrDefault(rollout.TenantId) ?? [],
                Blackouts = windows.Where(w => w.TenantId == null || w.TenantId == rollout.TenantId)
                    .Select(w => new WindowInput(w.Start, w.End, w.TenantId == null, w.Title)).ToList(),
                Pauses = active.Select(p => new PauseInput(p.Side, p.TenantId == null, p.Cause, p.Reason, p.PausedAt)).ToList(),
                Now = now,
            };
            states.Add(new TenantSnapshot
            {
                Rollout = rollout,
                TenantName = names.GetValueOrDefault(rollout.TenantId, "?"),
                Input = input,
                ActivePauses = active,
                Aggregates = rollout.Rings.Where(r => aggregates.ContainsKey(r.Id)).ToDictionary(r => r.Id, r => aggregates[r.Id]),
                SupportRequests = supportRequests,
            });
        }
        return new RolloutSnapshot(release, thresholds, states, pauses);
    }

    static SignalTotals Totals(RingRollout ring, SignalAggregate? a) => a is null ? SignalTotals.None : new SignalTotals(a.Devices,
        Math.Max(0, a.InstallSuccesses - ring.BaselineInstallSuccesses), Math.Max(0, a.InstallFailures - ring.BaselineInstallFailures),
        Math.Max(0, a.ReliabilityEvents - ring.BaselineReliabilityEvents));

    /// <summary>Each tenant's ring plan: its own rings, or the default plan when it has defined none.</summary>
    public async Task<Dictionary<Guid, IReadOnlyList<RingDefinition>>> PlansAsync(IReadOnlyCollection<Guid> tenants, CancellationToken ct)
    {
        var rings = await db.TenantRings.AsNoTracking().Where(r => tenants.Contains(r.TenantId)).ToListAsync(ct);
        return tenants.Distinct().ToDictionary(t => t, t =>
        {
            var own = rings.Where(r => r.TenantId == t).OrderBy(r => r.Position).ToList();
            return own.Count == 0 ? RingPlan.Defaults
                : (IReadOnlyList<RingDefinition>)own.Select(r => new RingDefinition(r.Name, r.Devices, r.SharePercent, r.DeferralDays, r.SoakDays)).ToList();
        });
    }

    /// <summary>
    /// Per tenant, the bundled changes that ask the tenant for approval and are not approved. Read past the query
    /// filters (a tenant must also be held by a change it cannot see yet), for the given tenants only.
    /// </summary>
    async Task<Dictionary<Guid, IReadOnlyList<string>>> PendingApprovalsAsync(Release release, IReadOnlyCollection<Guid> tenants, CancellationToken ct)
    {
        var ids = release.Changes.Select(c => c.ChangeId).ToList();
        if (ids.Count == 0 || tenants.Count == 0)
        {
            return [];
        }
        var asking = await db.Changes.IgnoreQueryFilters().AsNoTracking()
            .Where(c => ids.Contains(c.Id) && c.Consent == Consent.Approve && c.OwnerTenantId == null)
            .Select(c => new { c.Id, c.TargetsAllTenants, Targets = c.Targets.Select(t => t.TenantId).ToList() }).ToListAsync(ct);
        if (asking.Count == 0)
        {
            return [];
        }
        var askingIds = asking.Select(c => c.Id).ToList();
        var answers = await db.ChangeApprovals.IgnoreQueryFilters().AsNoTracking()
            .Where(a => askingIds.Contains(a.ChangeId) && tenants.Contains(a.TenantId))
            .Select(a => new { a.ChangeId, a.TenantId, a.State }).ToListAsync(ct);
        return tenants.ToDictionary(t => t, t => (IReadOnlyList<string>)asking
            .Where(c => c.TargetsAllTenants || c.Targets.Contains(t))
            .Select(c => (c.Id, Answer: answers.FirstOrDefault(a => a.ChangeId == c.Id && a.TenantId == t)?.State))
            .Where(c => c.Answer != ApprovalState.Approved)
            .OrderBy(c => c.Id)
            .Select(c => $"CHG-{c.Id} ({(c.Answer is { } s ? EnumNames.Of(s) : "not requested yet: the change is not announced")})")
            .ToList());
    }

    public Task<IReadOnlyDictionary<Guid, long>> SupportCountsAsync(Guid releaseId, CancellationToken ct) => support.CountsAsync(releaseId, ct);

    public async Task<Release> ReleaseAsync(Guid id, CancellationToken ct) =>
        await db.Releases.AsNoTracking().Include(r => r.Changes).Include(r => r.Targets).AsSplitQuery().FirstOrDefaultAsync(r => r.Id == id, ct)
        ?? throw new NotFoundException("Release", id);

    public async Task<RolloutView> ViewAsync(Guid releaseId, Guid? tenantId, CancellationToken ct)
    {
        if (tenantId is not null)
        {
            EnsureOwnTenant(tenantId, "rollout");
        }
        var release = await ReleaseAsync(releaseId, ct);
        var now = clock.GetUtcNow();
        var snapshot = await LoadAsync(release, tenantId, now, tracking: false, ct);
        var buckets = await db.SignalBuckets.AsNoTracking().Where(b => b.ReleaseId == releaseId && (tenantId == null || b.TenantId == tenantId))
            .OrderBy(b => b.BucketStart).ToListAsync(ct);
        var series = buckets.GroupBy(b => b.RingRolloutId).ToDictionary(g => g.Key, g => Series(g));
        var tenants = snapshot.Tenants.Select(t => TenantView(t, RolloutEngine.Decide(t.Input), series, snapshot.Pauses)).ToList();
        return new RolloutView(release.Id, release.Title, release.Kind, release.State, release.PlannedStart, release.StartedAt, release.CompletedAt,
            ThresholdsOf(release, snapshot.Thresholds), release.BlackoutOverrideReason,
            snapshot.Pauses.Where(p => p.TenantId == null).Select(PauseViewOf).ToList(), tenants, now);
    }

    public static ThresholdsView ThresholdsOf(Release release, SignalThresholds t) =>
        new(t.MaxInstallFailurePercent, t.MaxReliabilityEventsPer1000, t.MaxSupportRequestsPer1000, t.MinDevices,
            release.MaxInstallFailurePercent is not null || release.MaxReliabilityEventsPer1000 is not null
            || release.MaxSupportRequestsPer1000 is not null || release.MinDevices is not null);

    static TenantRolloutView TenantView(TenantSnapshot t, RolloutDecision decision, IReadOnlyDictionary<Guid, List<SignalPoint>> series, IReadOnlyList<RolloutPause> pauses)
    {
        var rings = new List<RingView>();
        var definitions = t.Rollout.Rings.OrderBy(r => r.Position).ToList();
        for (var i = 0; i < decision.Rings.Count; i++)
        {
            var status = decision.Rings[i];
            var input = t.Input.Rings[i];
            var row = definitions.ElementAtOrDefault(i);
            var aggregate = row is null ? null : t.Aggregates.GetValueOrDefault(row.Id);
            // The stored state, not the one this evaluation would move to: the job records that on its next pass.
            rings.Add(new RingView(status.Ring, i, row?.Devices, row?.SharePercent, input.DeferralDays, input.SoakDays, input.State,
                input.StartedAt, input.StartedAt?.AddDays(input.SoakDays), row?.CompletedAt, row?.Expedited ?? false, status.ProjectedStart,
                status.Gate, status.Reasons, status.Until, SignalsOf(aggregate), status.Breaches,
                row is not null && series.TryGetValue(row.Id, out var points) ? points : []));
        }
        var devices = t.Aggregates.Values.Sum(a => (long)a.Devices);
        var updated = t.Aggregates.Values.Sum(a => a.InstallSuccesses);
        return new TenantRolloutView(t.Rollout.TenantId, t.TenantName, t.Rollout.State, t.ActivePauses.Count > 0,
            t.Rollout.ExpeditedAt, t.Rollout.ExpeditedBy, t.Rollout.ExpediteReason, t.Rollout.CompletedAt,
            devices == 0 ? null : Math.Min(100, 100.0 * updated / devices), t.Input.PendingApprovals, t.SupportRequests,
            pauses.Where(p => p.TenantId == t.Rollout.TenantId).Select(PauseViewOf).ToList(), rings);
    }

    static RingSignalsView SignalsOf(SignalAggregate? a)
    {
        if (a is null)
        {
            return new RingSignalsView(0, 0, 0, 0, 0, 0, null, null, null, null);
        }
        var totals = new SignalTotals(a.Devices, a.InstallSuccesses, a.InstallFailures, a.ReliabilityEvents);
        return new RingSignalsView(a.Devices, a.InstallSuccesses, a.InstallFailures, a.Crashes, a.Hangs, a.BootFailures,
            totals.InstallFailurePercent, totals.ReliabilityPer1000, a.Devices == 0 ? null : Math.Min(100, 100.0 * a.InstallSuccesses / a.Devices), a.LastEventAt);
    }

    static List<SignalPoint> Series(IEnumerable<Signals.SignalBucket> buckets)
    {
        var points = new List<SignalPoint>();
        int devices = 0;
        long successes = 0, failures = 0, reliability = 0;
        foreach (var b in buckets)
        {
            devices = b.Devices ?? devices;
            successes += b.InstallSuccesses;
            failures += b.InstallFailures;
            reliability += b.Crashes + b.Hangs + b.BootFailures;
            var totals = new SignalTotals(devices, successes, failures, reliability);
            points.Add(new SignalPoint(b.BucketStart + Signals.SignalBucket.Size, devices, successes, failures, reliability,
                totals.InstallFailurePercent, totals.ReliabilityPer1000, devices == 0 ? null : Math.Min(100, 100.0 * successes / devices)));
        }
        return points;
    }

    /// <summary>Provider users may ask about any tenant; a customer asking about another tenant is refused, not shown nothing.</summary>
    void EnsureOwnTenant(Guid? tenantId, string what)
    {
        if (!user.IsProvider && user.TenantId != tenantId)
        {
            throw new ForbiddenException($"A tenant can ask about its own tenant's {what} only.");
        }
    }

    public static PauseView PauseViewOf(RolloutPause p) =>
        new(p.Id, p.TenantId, p.TenantId == null, p.Side, p.Cause, p.Reason, p.Ring, p.PausedAt, p.PausedBy, p.LiftedAt, p.LiftedBy, p.LiftReason, p.LiftedAt == null);

    /// <summary>
    /// The gate for one ring: what the engine decides for the tenant's rollout now. Provider users may ask about any
    /// tenant; a customer about its own tenant only.
    /// </summary>
    public async Task<GateView> GateAsync(Guid? releaseId, Guid? tenantId, string? ring, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (releaseId is null)
        {
            errors["release"] = ["Name the release by its id: ?release=<id>."];
        }
        if (tenantId is null)
        {
            errors["tenant"] = ["Name the tenant by its id: ?tenant=<id>."];
        }
        if (string.IsNullOrWhiteSpace(ring))
        {
            errors["ring"] = ["Name the ring: ?ring=<name>, e.g. Test, First, Fast or Broad."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        EnsureOwnTenant(tenantId, "gates");
        var release = await ReleaseAsync(releaseId!.Value, ct);
        var now = clock.GetUtcNow();
        var snapshot = await LoadAsync(release, tenantId, now, tracking: false, ct);
        var tenant = snapshot.Tenants.SingleOrDefault() ?? throw new NotFoundException("Tenant rollout", $"{tenantId} in release {release.Title}");
        var decision = RolloutEngine.Decide(tenant.Input);
        var status = decision.For(ring!.Trim()) ?? throw new ProblemException(404, "not-found", "Ring not found.",
            $"{tenant.TenantName}'s rollout of {release.Title} has no ring '{ring.Trim()}'; its rings are {string.Join(", ", decision.Rings.Select(r => r.Ring))}.");
        return new GateView(release.Id, release.Title, tenant.Rollout.TenantId, status.Ring, status.Gate, status.Reasons, status.Until, status.State, now);
    }
}
