using System.Globalization;
using ChangeDesk.Signals;

namespace ChangeDesk.Releases;

/// <summary>What the gating API tells a deployment tool about one ring.</summary>
public enum GateStatus
{
    /// <summary>Deploy: the ring is running (or has completed, or starts now).</summary>
    Allowed,

    /// <summary>Do not deploy: something holds the ring back until a person acts or the data improves.</summary>
    Prevented,

    /// <summary>Not yet: the ring's time has not come (deferral or soak left); see the instant.</summary>
    Awaiting,
}

public enum GateReason
{
    PausedByTenant,
    PausedByProvider,
    NotApproved,
    Blackout,
    SignalBreach,
    Cancelled,
    NotStarted,
    Deferral,
    Soak,
    PreviousRing,
}

public sealed record RingInput(string Name, int DeferralDays, int SoakDays, RingState State, DateTimeOffset? StartedAt, SignalTotals Signals);

public sealed record PauseInput(PauseSide Side, bool ServiceWide, PauseCause Cause, string Reason, DateTimeOffset Since);

public sealed record WindowInput(DateTimeOffset Start, DateTimeOffset End, bool ServiceWide, string Title);

/// <summary>Everything the engine needs to decide one tenant's rollout of a release.</summary>
public sealed record RolloutInput
{
    public required ReleaseState ReleaseState { get; init; }
    public required DateTimeOffset PlannedStart { get; init; }
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>An emergency release allowed, with a recorded reason, to start rings inside blackout windows.</summary>
    public bool BlackoutOverridden { get; init; }

    public DateTimeOffset? ExpeditedAt { get; init; }

    /// <summary>The tenant's rollout is already recorded as completed.</summary>
    public bool Completed { get; init; }

    /// <summary>The rings in rollout order.</summary>
    public required IReadOnlyList<RingInput> Rings { get; init; }

    public required SignalThresholds Thresholds { get; init; }

    /// <summary>Support requests linked to the release by this tenant (net of those a lifted breach pause accepted).</summary>
    public long SupportRequests { get; init; }

    /// <summary>Bundled changes this tenant must approve and has not (e.g. "CHG-12 (pending)").</summary>
    public IReadOnlyList<string> PendingApprovals { get; init; } = [];

    /// <summary>The tenant's own and the service-wide blackout windows.</summary>
    public IReadOnlyList<WindowInput> Blackouts { get; init; } = [];

    /// <summary>Pauses in force for this tenant (its own and service-wide ones).</summary>
    public IReadOnlyList<PauseInput> Pauses { get; init; } = [];

    public required DateTimeOffset Now { get; init; }
}

public sealed record GateReasonDetail(GateReason Code, string Detail, DateTimeOffset? Until = null);

/// <summary>A ring after this pass: its state, what a deployment tool is told, why, and until when.</summary>
public sealed record RingStatus(
    string Ring, RingState State, GateStatus Gate, IReadOnlyList<GateReasonDetail> Reasons, DateTimeOffset? Until,
    DateTimeOffset? StartedAt, DateTimeOffset? ProjectedStart, IReadOnlyList<Breach> Breaches);

public abstract record RolloutAction;

public sealed record StartRing(string Ring, bool Expedited) : RolloutAction;

public sealed record CompleteRing(string Ring) : RolloutAction;

public sealed record PauseForBreach(string Ring, IReadOnlyList<Breach> Breaches, string Reason) : RolloutAction;

public sealed record CompleteRollout : RolloutAction;

public sealed record RolloutDecision(IReadOnlyList<RolloutAction> Actions, IReadOnlyList<RingStatus> Rings, IReadOnlyList<Breach> Breaches)
{
    public bool IsBreaching => Breaches.Count > 0;

    public RingStatus? For(string ring) => Rings.FirstOrDefault(r => string.Equals(r.Ring, ring, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Decides one tenant's rollout: which rings start, complete or must be paused now, and what each ring's gate
/// answers. A pure function of its input; the rollout job applies the actions and the gating API reports the
/// statuses, so both always agree.
/// <list type="bullet">
/// <item>A ring starts when its deferral after the release start has passed, the previous ring has started and
/// soaked, the previous ring's signals are within thresholds, the tenant has approved the bundled changes that ask
/// for approval, no pause is in force and no blackout window applies (unless the emergency release overrides
/// blackouts).</item>
/// <item>A running ring completes once it has soaked, unpaused and within thresholds.</item>
/// <item>A running ring whose signals breach a threshold pauses the rollout (provider side), unless a breach pause
/// is already in force. A pause halts the running ring and every later one; completed rings stay allowed.</item>
/// <item>Expedite skips deferral and soak: every remaining ring starts now, still honouring pauses (a tenant's
/// above all), approvals and blackouts.</item>
/// </list>
/// </summary>
public static class RolloutEngine
{
    public static RolloutDecision Decide(RolloutInput x) => x.ReleaseState switch
    {
        ReleaseState.Cancelled => Cancelled(x),
        ReleaseState.Scheduled => NotStarted(x),
        _ => Running(x),
    };

    static RolloutDecision Cancelled(RolloutInput x) =>
        new([], x.Rings.Select(r => new RingStatus(r.Name, r.State, GateStatus.Prevented,
            [new(GateReason.Cancelled, "The release was cancelled: do not deploy it.")], null, r.StartedAt, null, [])).ToList(), []);

    static RolloutDecision NotStarted(RolloutInput x)
    {
        var paused = PauseReasons(x.Pauses);
        var statuses = new List<RingStatus>();
        DateTimeOffset? previous = null;
        var previousSoak = 0;
        foreach (var ring in x.Rings)
        {
            var projected = Max(x.PlannedStart + Days(ring.DeferralDays), previous is { } p ? p + Days(previousSoak) : null);
            statuses.Add(paused.Count > 0
                ? new(ring.Name, ring.State, GateStatus.Prevented, paused, null, null, projected, [])
                : new(ring.Name, ring.State, GateStatus.Awaiting,
                    [new(GateReason.NotStarted, $"The release has not started; it is planned for {When(x.PlannedStart)} and this ring for {When(projected)}.", projected)],
                    projected, null, projected, []));
            previous = projected;
            previousSoak = ring.SoakDays;
        }
        return new([], statuses, []);
    }

    static RolloutDecision Running(RolloutInput x)
    {
        var now = x.Now;
        var start = x.StartedAt ?? x.PlannedStart;
        var actions = new List<RolloutAction>();

        var breaches = new Dictionary<string, IReadOnlyList<Breach>>(StringComparer.OrdinalIgnoreCase);
        foreach (var ring in x.Rings.Where(r => r.State == RingState.Deploying))
        {
            var found = ThresholdEvaluator.Evaluate(ring.Signals, x.Thresholds, includeSupportRequests: false);
            if (found.Count > 0)
            {
                breaches[ring.Name] = found;
            }
        }
        // Support requests are filed per tenant, not per ring: they are judged against every device the release
        // has reached and held against the ring now running.
        if (x.Rings.LastOrDefault(r => r.State == RingState.Deploying) is { } current && x.SupportRequests > 0)
        {
            var reached = x.Rings.Where(r => r.State != RingState.Pending).Sum(r => r.Signals.Devices);
            var support = ThresholdEvaluator.Evaluate(new SignalTotals(reached, 0, 0, 0, x.SupportRequests), x.Thresholds, includeRingSignals: false);
            if (support.Count > 0)
            {
                breaches[current.Name] = [.. breaches.GetValueOrDefault(current.Name) ?? [], .. support];
            }
        }

        var pauses = x.Pauses.ToList();
        if (breaches.Count > 0 && !pauses.Any(p => p.Cause == PauseCause.SignalBreach))
        {
            var first = x.Rings.First(r => breaches.ContainsKey(r.Name)).Name;
            var reason = BreachReason(first, breaches[first]);
            actions.Add(new PauseForBreach(first, breaches[first], reason));
            pauses.Add(new PauseInput(PauseSide.Provider, false, PauseCause.SignalBreach, reason, now));
        }
        var paused = PauseReasons(pauses);
        var blackout = x.BlackoutOverridden ? null : ActiveBlackout(x.Blackouts, now);
        var expedited = x.ExpeditedAt is not null;

        var statuses = new List<RingStatus>();
        RingInput? previous = null;
        var previousState = RingState.Pending;
        DateTimeOffset? previousStart = null;
        foreach (var ring in x.Rings)
        {
            var own = breaches.GetValueOrDefault(ring.Name) ?? [];
            switch (ring.State)
            {
                case RingState.Completed:
                    statuses.Add(new(ring.Name, RingState.Completed, GateStatus.Allowed, [], null, ring.StartedAt, ring.StartedAt, []));
                    previousState = RingState.Completed;
                    previousStart = ring.StartedAt ?? start;
                    break;

                case RingState.Deploying:
                    {
                        var started = ring.StartedAt ?? start;
                        var reasons = new List<GateReasonDetail>(paused);
                        if (blackout is { } b)
                        {
                            reasons.Add(BlackoutReason(b));
                        }
                        if (own.Count > 0)
                        {
                            reasons.Add(new(GateReason.SignalBreach, $"Signals of ring {ring.Name} breach the thresholds: {Describe(own)}."));
                        }
                        var state = RingState.Deploying;
                        if (reasons.Count == 0 && now >= started + Days(ring.SoakDays))
                        {
                            actions.Add(new CompleteRing(ring.Name));
                            state = RingState.Completed;
                        }
                        statuses.Add(new(ring.Name, state, reasons.Count > 0 ? GateStatus.Prevented : GateStatus.Allowed, reasons, UntilOf(reasons),
                            started, started, own));
                        previousState = state;
                        previousStart = started;
                        break;
                    }

                default:
                    {
                        var deferralEnd = start + Days(ring.DeferralDays);
                        var soakEnd = previous is not null && previousStart is { } ps ? ps + Days(previous.SoakDays) : (DateTimeOffset?)null;
                        var prevented = new List<GateReasonDetail>(paused);
                        if (x.PendingApprovals.Count > 0)
                        {
                            prevented.Add(new(GateReason.NotApproved, $"The tenant has not approved {string.Join(", ", x.PendingApprovals)}."));
                        }
                        if (blackout is { } b)
                        {
                            prevented.Add(BlackoutReason(b));
                        }
                        if (previous is not null && breaches.GetValueOrDefault(previous.Name) is { Count: > 0 } before)
                        {
                            prevented.Add(new(GateReason.SignalBreach, $"Signals of the previous ring {previous.Name} breach the thresholds: {Describe(before)}."));
                        }
                        var awaiting = new List<GateReasonDetail>();
                        DateTimeOffset? projected;
                        if (previous is not null && previousState == RingState.Pending)
                        {
                            var prior = statuses[^1];
                            projected = expedited ? prior.ProjectedStart : Max(deferralEnd, prior.ProjectedStart + Days(previous.SoakDays));
                            awaiting.Add(new(GateReason.PreviousRing, $"Ring {previous.Name} has not started yet.", projected > now ? projected : null));
                        }
                        else if (expedited)
                        {
                            projected = now;
                        }
                        else
                        {
                            projected = Max(deferralEnd, soakEnd);
                            if (now < deferralEnd)
                            {
                                awaiting.Add(new(GateReason.Deferral, $"Ring {ring.Name} is deferred {Plural(ring.DeferralDays, "day")} after the release start, until {When(deferralEnd)}.", deferralEnd));
                            }
                            if (soakEnd is { } se && now < se)
                            {
                                awaiting.Add(new(GateReason.Soak, $"Ring {previous!.Name} soaks {Plural(previous.SoakDays, "day")}, until {When(se)}.", se));
                            }
                        }
                        if (projected < now)
                        {
                            projected = now;
                        }
                        if (prevented.Count > 0)
                        {
                            statuses.Add(new(ring.Name, RingState.Pending, GateStatus.Prevented, [.. prevented, .. awaiting], UntilOf(prevented), null, projected, []));
                            previousState = RingState.Pending;
                        }
                        else if (awaiting.Count > 0)
                        {
                            statuses.Add(new(ring.Name, RingState.Pending, GateStatus.Awaiting, awaiting, awaiting.Max(a => a.Until), null, projected, []));
                            previousState = RingState.Pending;
                        }
                        else
                        {
                            actions.Add(new StartRing(ring.Name, expedited && (now < deferralEnd || (soakEnd is { } e && now < e))));
                            statuses.Add(new(ring.Name, RingState.Deploying, GateStatus.Allowed, [], null, now, now, []));
                            previousState = RingState.Deploying;
                            previousStart = now;
                        }
                        break;
                    }
            }
            previous = ring;
        }
        if (!x.Completed && statuses.Count > 0 && statuses.All(s => s.State == RingState.Completed))
        {
            actions.Add(new CompleteRollout());
        }
        return new(actions, statuses, x.Rings.Where(r => breaches.ContainsKey(r.Name)).SelectMany(r => breaches[r.Name]).ToList());
    }

    /// <summary>The blackout in force at an instant: its title and when it (with the windows chained to it) ends.</summary>
    public static (DateTimeOffset End, string Title)? ActiveBlackout(IEnumerable<WindowInput> windows, DateTimeOffset at)
    {
        var list = windows.Where(w => w.End > w.Start).OrderBy(w => w.Start).ToList();
        var hit = list.Where(w => w.Start <= at && at < w.End).OrderByDescending(w => w.End).FirstOrDefault();
        if (hit is null)
        {
            return null;
        }
        var end = hit.End;
        bool extended;
        do
        {
            extended = false;
            foreach (var w in list.Where(w => w.Start <= end && w.End > end))
            {
                end = w.End;
                extended = true;
            }
        }
        while (extended);
        return (end, hit.Title);
    }

    public static string BreachReason(string ring, IReadOnlyList<Breach> breaches) =>
        $"Signal breach in ring {ring}: {Describe(breaches)}.";

    static string Describe(IReadOnlyList<Breach> breaches) => string.Join("; ", breaches.Select(b => b.Detail));

    static List<GateReasonDetail> PauseReasons(IEnumerable<PauseInput> pauses) =>
        pauses.OrderBy(p => p.Side == PauseSide.Tenant ? 0 : 1).ThenBy(p => p.Since).Select(p => p.Side == PauseSide.Tenant
            ? new GateReasonDetail(GateReason.PausedByTenant, $"Paused by the tenant since {When(p.Since)}: {p.Reason}")
            : new GateReasonDetail(GateReason.PausedByProvider, $"Paused by the provider{(p.ServiceWide ? " for every tenant" : "")} since {When(p.Since)}: {p.Reason}"))
            .ToList();

    static GateReasonDetail BlackoutReason((DateTimeOffset End, string Title) b) =>
        new(GateReason.Blackout, $"Blackout window '{b.Title}' until {When(b.End)}.", b.End);

    /// <summary>When every reason has an end (a blackout), the last of them; otherwise a person must act first.</summary>
    static DateTimeOffset? UntilOf(IReadOnlyList<GateReasonDetail> reasons) =>
        reasons.Count > 0 && reasons.All(r => r.Until is not null) ? reasons.Max(r => r.Until) : null;

    static TimeSpan Days(int days) => TimeSpan.FromDays(days);

    static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset? b) => b is { } v && v > a ? v : a;

    static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    public static string When(DateTimeOffset? at) =>
        at is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "—";
}
