using ChangeDesk.Audit;
using ChangeDesk.Data;

namespace ChangeDesk.Releases;

public enum TenantRolloutState
{
    Planned,
    InProgress,
    Completed,
    Cancelled,
}

public enum RingState
{
    /// <summary>Not started: waiting for its deferral, the previous ring, or held back.</summary>
    Pending,

    /// <summary>Started: devices of the ring install the release while it soaks.</summary>
    Deploying,

    /// <summary>Started, soaked and within thresholds.</summary>
    Completed,
}

/// <summary>Who paused: the provider (the service, or a breach it detected) or the customer tenant.</summary>
public enum PauseSide
{
    Provider,
    Tenant,
}

public enum PauseCause
{
    Manual,
    SignalBreach,
}

/// <summary>A device ring of a tenant: which devices (a count, or a share of those outside fixed-size rings) and when.</summary>
public sealed class TenantRing : IAudited
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public required string Name { get; set; }
    public int Position { get; set; }

    /// <summary>A fixed number of devices (typical for the Test ring); null when the ring is a share.</summary>
    public int? Devices { get; set; }

    /// <summary>Percent of the tenant's devices outside fixed-size rings; null when the ring is a fixed count.</summary>
    public double? SharePercent { get; set; }

    /// <summary>Days after the release starts before this ring may start.</summary>
    public int DeferralDays { get; set; }

    /// <summary>Days this ring soaks after it starts before the next ring may start.</summary>
    public int SoakDays { get; set; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

/// <summary>One tenant's rollout of a release: its rings (a snapshot of its ring plan at start), expedite and messages.</summary>
public sealed class TenantRollout : IAudited, IVersioned
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid ReleaseId { get; init; }
    public Guid TenantId { get; init; }
    public TenantRolloutState State { get; set; }
    public DateTimeOffset? ExpeditedAt { get; set; }
    public string? ExpeditedBy { get; set; }
    public string? ExpediteReason { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The Message Center posts this tenant received about the release.</summary>
    public string? ScheduleMessageId { get; set; }

    public string? StartMessageId { get; set; }
    public string? SummaryMessageId { get; set; }

    /// <summary>Support requests already judged when a breach pause was lifted; only later ones count.</summary>
    public long BaselineSupportRequests { get; set; }

    public int Version { get; set; } = 1;
    public List<RingRollout> Rings { get; set; } = [];

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

/// <summary>A ring of a tenant's rollout, with the definition it had when the release started.</summary>
public sealed class RingRollout : IAudited, IVersioned
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantRolloutId { get; init; }
    public Guid ReleaseId { get; init; }
    public Guid TenantId { get; init; }
    public required string Name { get; init; }
    public int Position { get; init; }
    public int? Devices { get; init; }
    public double? SharePercent { get; init; }
    public int DeferralDays { get; init; }
    public int SoakDays { get; init; }
    public RingState State { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Started by an expedite rather than by its schedule.</summary>
    public bool Expedited { get; set; }

    /// <summary>
    /// Signal counts already judged when a breach pause was lifted: the provider accepted them by resuming, so
    /// thresholds apply to what arrives afterwards.
    /// </summary>
    public long BaselineInstallSuccesses { get; set; }

    public long BaselineInstallFailures { get; set; }
    public long BaselineReliabilityEvents { get; set; }

    public int Version { get; set; } = 1;

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

/// <summary>
/// A pause of a release's rollout for one tenant or service-wide, by the provider or by the tenant. It halts every
/// ring that has not completed until the side that paused lifts it: the provider cannot lift a tenant's pause.
/// </summary>
public sealed class RolloutPause : IAudited
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid ReleaseId { get; init; }

    /// <summary>Null for a service-wide pause (provider only).</summary>
    public Guid? TenantId { get; init; }

    public PauseSide Side { get; init; }
    public PauseCause Cause { get; init; }
    public required string Reason { get; init; }

    /// <summary>The ring whose signals breached, for a breach pause.</summary>
    public string? Ring { get; init; }

    public DateTimeOffset PausedAt { get; init; }
    public Guid? PausedById { get; init; }
    public required string PausedBy { get; init; }
    public DateTimeOffset? LiftedAt { get; set; }
    public Guid? LiftedById { get; set; }
    public string? LiftedBy { get; set; }
    public string? LiftReason { get; set; }

    public bool IsActive => LiftedAt is null;

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}
