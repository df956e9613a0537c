using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Data;

namespace ChangeDesk.Releases;

public enum ReleaseKind
{
    /// <summary>The monthly security release, on the second Tuesday.</summary>
    Security,

    /// <summary>The optional non-security preview, on the fourth Tuesday.</summary>
    NonSecurity,

    /// <summary>An emergency release at any time: no notice, but a mitigation before it is communicated.</summary>
    OutOfBand,
}

public enum ReleaseState
{
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
}

/// <summary>
/// A bundle of changes (security and non-security updates, with functionality changes riding along) rolled out
/// ring by ring in every targeted tenant.
/// </summary>
public sealed class Release : IAudited, IVersioned
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public ReleaseKind Kind { get; init; }
    /// <summary>Changed only by <see cref="Start"/>, <see cref="Complete"/> and <see cref="Cancel"/>, as <see cref="ReleaseStateMachine"/> allows.</summary>
    public ReleaseState State { get; private set; }
    public DateTimeOffset PlannedStart { get; set; }

    /// <summary>Set for releases the calendar generated ("2026-03-security"), so generating a month twice adds nothing.</summary>
    public string? CalendarKey { get; init; }

    public bool TargetsAllTenants { get; set; } = true;
    public List<ReleaseTarget> Targets { get; set; } = [];
    public List<ReleaseChange> Changes { get; set; } = [];

    /// <summary>Threshold overrides for this release; null means the configured default.</summary>
    public double? MaxInstallFailurePercent { get; set; }

    public double? MaxReliabilityEventsPer1000 { get; set; }
    public double? MaxSupportRequestsPer1000 { get; set; }
    public int? MinDevices { get; set; }

    /// <summary>For an out-of-band release: what was done to limit the impact, recorded before it is communicated.</summary>
    public string? Mitigation { get; set; }

    public DateTimeOffset? MitigationAppliedAt { get; set; }

    /// <summary>Why this emergency release may start rings inside blackout windows; null when it may not.</summary>
    public string? BlackoutOverrideReason { get; set; }

    public string? BlackoutOverrideBy { get; set; }
    public DateTimeOffset? BlackoutOverrideAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancelReason { get; set; }

    public Guid CreatedById { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Incremented on every write by a person; the release's ETag and concurrency token.</summary>
    public int Version { get; set; } = 1;

    /// <summary>The rollout job instance working on this release, so instances never apply the engine twice at once.</summary>
    [NotAudited, NotVersioned]
    public string? LeaseOwner { get; set; }

    [NotAudited, NotVersioned]
    public DateTimeOffset? LeaseUntil { get; set; }

    public bool IsEmergency => Kind == ReleaseKind.OutOfBand;

    public bool Allows(ReleaseAction action) => ReleaseStateMachine.Allows(State, Kind, action);

    /// <summary>Refuses (<c>409 invalid-transition</c>) an action the lifecycle does not allow now.</summary>
    public void EnsureAllows(ReleaseAction action)
    {
        if (!Allows(action))
        {
            throw ReleaseStateMachine.Refusal(Title, State, Kind, action);
        }
    }

    /// <summary>The rollout begins. Starting notifies every tenant, so an emergency release needs its mitigation applied first.</summary>
    public void Start(DateTimeOffset now)
    {
        var next = Next(ReleaseAction.Start);
        EmergencyRule.Enforce(IsEmergency, MitigationAppliedAt is { } applied ? [applied] : [], now, EmergencySubject.Release(Title, Id));
        State = next;
        StartedAt = now;
    }

    /// <summary>Every tenant's rollout has completed.</summary>
    public void Complete(DateTimeOffset now)
    {
        State = Next(ReleaseAction.Complete);
        CompletedAt = now;
    }

    /// <summary>The release stops for good, with the reason tenants read.</summary>
    public void Cancel(string reason, DateTimeOffset now)
    {
        State = Next(ReleaseAction.Cancel);
        CancelledAt = now;
        CancelReason = reason;
    }

    ReleaseState Next(ReleaseAction action)
    {
        EnsureAllows(action);
        ReleaseStateMachine.TryNext(State, action, out var next);
        return next;
    }

    Guid? IAudited.AuditTenantId => null;
    int? IAudited.AuditChangeId => null;
}

/// <summary>A tenant a release is limited to, when it does not target every tenant.</summary>
public sealed class ReleaseTarget : IAudited
{
    public Guid ReleaseId { get; init; }
    public Guid TenantId { get; init; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

/// <summary>A change bundled in a release.</summary>
public sealed class ReleaseChange : IAudited
{
    public Guid ReleaseId { get; init; }
    public int ChangeId { get; init; }

    Guid? IAudited.AuditTenantId => null;
    int? IAudited.AuditChangeId => ChangeId;
}

/// <summary>A blackout (freeze) window: no ring starts inside it, for one tenant or service-wide.</summary>
public sealed class BlackoutWindow : IAudited
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>Null for a service-wide window.</summary>
    public Guid? TenantId { get; init; }

    public required string Title { get; set; }
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}
