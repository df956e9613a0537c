using ChangeDesk.Signals;
using ChangeDesk.Web;

namespace ChangeDesk.Releases;

public sealed record ThresholdsView(double MaxInstallFailurePercent, double MaxReliabilityEventsPer1000, double MaxSupportRequestsPer1000, int MinDevices, bool Overridden);

public sealed record BundledChangeView(int Id, string Number, string Title, string Type, string State, string Consent);

/// <summary>A ring whose planned start falls inside a blackout window, shown when scheduling.</summary>
public sealed record BlackoutConflict(Guid ReleaseId, string Release, Guid TenantId, string TenantName, string Ring, DateTimeOffset PlannedStart, Guid WindowId, string Window, bool ServiceWide, DateTimeOffset WindowEnd);

public sealed record ReleaseSummary(
    Guid Id, string Title, ReleaseKind Kind, ReleaseState State, DateTimeOffset PlannedStart, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    bool TargetsAllTenants, int ChangeCount, string? CalendarKey);

public sealed record ReleaseView(
    Guid Id, string Title, string Description, ReleaseKind Kind, ReleaseState State, DateTimeOffset PlannedStart, string? CalendarKey,
    bool TargetsAllTenants, IReadOnlyList<Guid> TargetTenantIds, IReadOnlyList<BundledChangeView> Changes, ThresholdsView Thresholds,
    string? Mitigation, DateTimeOffset? MitigationAppliedAt, string? BlackoutOverrideReason, string? BlackoutOverrideBy,
    DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, DateTimeOffset? CancelledAt, string? CancelReason,
    DateTimeOffset ScheduleNoticeDue, IReadOnlyList<BlackoutConflict> Conflicts, IReadOnlyList<string> AllowedActions, int Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt) : ITagged
{
    public string ETag => EntityTags.Of(Version);
}

public sealed record CalendarResult(int Year, int Month, IReadOnlyList<CalendarItem> Items);

/// <summary>One calendar release: created now, already there, or skipped (with why).</summary>
public sealed record CalendarItem(string Key, ReleaseKind Kind, DateTimeOffset PlannedStart, string Outcome, Guid? ReleaseId, string? Reason);

public sealed record RingSignalsView(
    int Devices, long InstallSuccesses, long InstallFailures, long Crashes, long Hangs, long BootFailures,
    double? InstallFailurePercent, double? ReliabilityPer1000, double? UpdatedPercent, DateTimeOffset? LastEventAt);

/// <summary>A ring's signals at the end of one hour, cumulative: one point of a chart.</summary>
public sealed record SignalPoint(
    DateTimeOffset At, int Devices, long InstallSuccesses, long InstallFailures, long ReliabilityEvents,
    double? InstallFailurePercent, double? ReliabilityPer1000, double? UpdatedPercent);

public sealed record RingView(
    string Name, int Position, int? Devices, double? SharePercent, int DeferralDays, int SoakDays, RingState State,
    DateTimeOffset? StartedAt, DateTimeOffset? SoakedAt, DateTimeOffset? CompletedAt, bool Expedited, DateTimeOffset? ProjectedStart,
    GateStatus Gate, IReadOnlyList<GateReasonDetail> Reasons, DateTimeOffset? Until, RingSignalsView Signals, IReadOnlyList<Breach> Breaches,
    IReadOnlyList<SignalPoint> Series);

public sealed record PauseView(
    Guid Id, Guid? TenantId, bool ServiceWide, PauseSide Side, PauseCause Cause, string Reason, string? Ring,
    DateTimeOffset PausedAt, string PausedBy, DateTimeOffset? LiftedAt, string? LiftedBy, string? LiftReason, bool IsActive);

public sealed record TenantRolloutView(
    Guid TenantId, string TenantName, TenantRolloutState State, bool IsPaused, DateTimeOffset? ExpeditedAt, string? ExpeditedBy, string? ExpediteReason,
    DateTimeOffset? CompletedAt, double? UpdatedPercent, IReadOnlyList<string> PendingApprovals, long SupportRequests,
    IReadOnlyList<PauseView> Pauses, IReadOnlyList<RingView> Rings);

/// <summary>A release's rollout as a page or chart needs it: per tenant and ring, state, times, reasons and signal history.</summary>
public sealed record RolloutView(
    Guid ReleaseId, string Title, ReleaseKind Kind, ReleaseState State, DateTimeOffset PlannedStart, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt,
    ThresholdsView Thresholds, string? BlackoutOverrideReason, IReadOnlyList<PauseView> ServiceWidePauses, IReadOnlyList<TenantRolloutView> Tenants,
    DateTimeOffset EvaluatedAt);

/// <summary>The gating API's answer for one ring of one tenant's rollout of a release.</summary>
public sealed record GateView(
    Guid ReleaseId, string Release, Guid TenantId, string Ring, GateStatus Status, IReadOnlyList<GateReasonDetail> Reasons, DateTimeOffset? Until,
    RingState RingState, DateTimeOffset EvaluatedAt);
