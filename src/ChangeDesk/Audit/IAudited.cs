namespace ChangeDesk.Audit;

/// <summary>An entity whose every insert, update and delete is written to the audit trail.</summary>
public interface IAudited
{
    /// <summary>The tenant whose data this is; null for provider or service-wide data.</summary>
    Guid? AuditTenantId { get; }

    /// <summary>The change this record belongs to, so a change's timeline can be shown.</summary>
    int? AuditChangeId { get; }
}

/// <summary>A property kept out of audit snapshots (secrets such as hashes).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotAuditedAttribute : Attribute;
