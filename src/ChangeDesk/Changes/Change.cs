using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Changes;

public enum Severity
{
    Normal,
    High,
    Critical,
}

/// <summary>Whether targeted tenants must acknowledge or approve the change before it takes effect.</summary>
public enum Consent
{
    None,
    Acknowledge,
    Approve,
}

/// <summary>
/// A change and its lifecycle. Its state moves only through the lifecycle methods (<see cref="Announce"/>, <see cref="Start"/>
/// …), which follow <see cref="ChangeStateMachine"/> and raise <see cref="ChangeTransitioned"/> (and <see cref="ChangeAnnounced"/>),
/// whose handlers post, ask and notify when the change is saved.
/// </summary>
public sealed class Change : RaisesEvents, IAudited, IVersioned
{
    public int Id { get; init; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public required string TypeKey { get; set; }
    public required string Subtype { get; set; }
    public Scope Scope { get; set; }

    /// <summary>Null when the provider owns the change; the tenant's id for a customer's own change.</summary>
    public Guid? OwnerTenantId { get; init; }

    public bool TargetsAllTenants { get; set; }
    public List<ChangeTarget> Targets { get; set; } = [];
    public List<string> Services { get; set; } = [];
    public bool AdminActionRequired { get; set; }
    public string? AdminAction { get; set; }
    public Consent Consent { get; set; }
    public DateTimeOffset? ActionRequiredBy { get; set; }
    public DateTimeOffset PlannedStart { get; set; }
    public DateTimeOffset? PlannedEnd { get; set; }
    public bool IsEmergency { get; set; }
    public Severity Severity { get; set; }
    public bool IsMajorChange { get; set; }

    /// <summary>Overrides the Message Center category derived from the type and admin action.</summary>
    public string? MessageCategory { get; set; }

    /// <summary>Message Center tags the author chose (user impact, data privacy); the rest are derived.</summary>
    public List<string> ExtraTags { get; set; } = [];

    public ChangeState State { get; private set; }

    /// <summary>Incremented on every write; the ETag of the change and its concurrency token.</summary>
    public int Version { get; private set; } = 1;

    int IVersioned.Version { get => Version; set => Version = value; }

    public Guid CreatedById { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? AnnouncedAt { get; private set; }

    public List<Mitigation> Mitigations { get; set; } = [];
    public List<ChecklistTask> Tasks { get; set; } = [];

    public string Number => $"CHG-{Id}";
    public Party OwnerParty => OwnerTenantId is null ? Party.Provider : Party.Customer;

    Guid? IAudited.AuditTenantId => OwnerTenantId;
    int? IAudited.AuditChangeId => Id;

    /// <summary>Records a write: a new version (the ETag changes) at <paramref name="now"/>.</summary>
    public void Touch(DateTimeOffset now)
    {
        Version++;
        UpdatedAt = now;
    }

    /// <summary>Refuses, with the state it is in and what it allows, an action the lifecycle does not allow now.</summary>
    public void EnsureAllowed(ChangeAction action)
    {
        if (!ChangeStateMachine.TryNext(State, action, out _))
        {
            throw ChangeStateMachine.Refusal(Number, State, action);
        }
    }

    /// <summary>Tells the targeted tenants: the change is posted, approvals are asked for, and the notice counts from now.</summary>
    public void Announce(DateTimeOffset now)
    {
        Move(ChangeAction.Announce, now);
        AnnouncedAt = now;
        Raise(new ChangeAnnounced(this, now));
    }

    public void Start(DateTimeOffset now) => Move(ChangeAction.Start, now);

    public void Pause(DateTimeOffset now) => Move(ChangeAction.Pause, now);

    public void Resume(DateTimeOffset now) => Move(ChangeAction.Resume, now);

    public void Complete(DateTimeOffset now) => Move(ChangeAction.Complete, now);

    public void Review(DateTimeOffset now) => Move(ChangeAction.Review, now);

    public void Cancel(DateTimeOffset now) => Move(ChangeAction.Cancel, now);

    public void RollBack(DateTimeOffset now) => Move(ChangeAction.Rollback, now);

    /// <summary>The lifecycle step an action names, as the API and the pages ask for it.</summary>
    public void Perform(ChangeAction action, DateTimeOffset now)
    {
        switch (action)
        {
            case ChangeAction.Announce: Announce(now); break;
            case ChangeAction.Start: Start(now); break;
            case ChangeAction.Pause: Pause(now); break;
            case ChangeAction.Resume: Resume(now); break;
            case ChangeAction.Complete: Complete(now); break;
            case ChangeAction.Review: Review(now); break;
            case ChangeAction.Cancel: Cancel(now); break;
            case ChangeAction.Rollback: RollBack(now); break;
            default: throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }
    }

    void Move(ChangeAction action, DateTimeOffset now)
    {
        EnsureAllowed(action);
        ChangeStateMachine.TryNext(State, action, out var next);
        var from = State;
        State = next;
        Touch(now);
        Raise(new ChangeTransitioned(this, action, from, State, Version, now));
    }

    /// <summary>Sets what the change is, from input that passed <see cref="ChangeInput.Validate"/>.</summary>
    public void Describe(ChangeInput.Valid v)
    {
        Title = v.Title;
        TypeKey = v.Type.Key;
        Subtype = v.Subtype;
        Description = v.Description;
        Scope = v.Scope;
        TargetsAllTenants = v.TargetsAllTenants;
        var wanted = v.TargetTenantIds.ToHashSet();
        Targets.RemoveAll(t => !wanted.Contains(t.TenantId));
        foreach (var t in wanted.Where(t => Targets.All(x => x.TenantId != t)))
        {
            Targets.Add(new ChangeTarget { ChangeId = Id, TenantId = t });
        }
        Services = v.Services;
        AdminActionRequired = v.AdminActionRequired;
        AdminAction = v.AdminAction;
        Consent = v.Consent;
        ActionRequiredBy = v.ActionRequiredBy;
        PlannedStart = v.PlannedStart;
        PlannedEnd = v.PlannedEnd;
        IsEmergency = v.IsEmergency;
        Severity = v.Severity;
        IsMajorChange = v.IsMajorChange;
        MessageCategory = v.Category;
        ExtraTags = v.Tags;
    }
}

/// <summary>Raised by every lifecycle step of a change, the announce included.</summary>
public sealed record ChangeTransitioned(Change Change, ChangeAction Action, ChangeState From, ChangeState To, int Version, DateTimeOffset At)
    : DomainEvent<ChangeTransitioned>;

/// <summary>Raised when a change is announced (after its <see cref="ChangeTransitioned"/>).</summary>
public sealed record ChangeAnnounced(Change Change, DateTimeOffset At) : DomainEvent<ChangeAnnounced>;

public sealed class ChangeTarget : IAudited
{
    public int ChangeId { get; init; }
    public Guid TenantId { get; init; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => ChangeId;
}

/// <summary>For an emergency change: what was done to limit the impact, recorded before notifying.</summary>
public sealed class Mitigation : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();
    public int ChangeId { get; init; }
    public Guid? OwnerTenantId { get; init; }
    public required string Description { get; init; }
    public DateTimeOffset AppliedAt { get; init; }
    public Guid RecordedById { get; init; }
    public DateTimeOffset RecordedAt { get; init; }

    Guid? IAudited.AuditTenantId => OwnerTenantId;
    int? IAudited.AuditChangeId => ChangeId;
}
