using ChangeDesk.Data;
using ChangeDesk.Audit;
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

public sealed class Change : IAudited, IVersioned
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

    public ChangeState State { get; set; }

    /// <summary>Incremented on every write; the ETag of the change and its concurrency token.</summary>
    public int Version { get; set; } = 1;

    public Guid CreatedById { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? AnnouncedAt { get; set; }

    public List<Mitigation> Mitigations { get; set; } = [];
    public List<ChecklistTask> Tasks { get; set; } = [];

    public string Number => $"CHG-{Id}";
    public Party OwnerParty => OwnerTenantId is null ? Party.Provider : Party.Customer;

    Guid? IAudited.AuditTenantId => OwnerTenantId;
    int? IAudited.AuditChangeId => Id;
}

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
