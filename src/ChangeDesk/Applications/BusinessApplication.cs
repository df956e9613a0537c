using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Applications;

/// <summary>How much the tenant's business depends on an application: what a failed test of it weighs.</summary>
public enum Criticality
{
    BusinessCritical,
    Important,
    Other,
}

/// <summary>What kind of software it is; remote access is tested for every functionality change.</summary>
public enum ApplicationKind
{
    RemoteAccess,
    LineOfBusiness,
    BrowserExtension,
    OfficeAddIn,
    Driver,
    Other,
}

/// <summary>
/// One of a tenant's business applications, in the catalog the tenant keeps: what a change can break and so what its
/// people test. <see cref="Services"/> are the service names changes and Message Center posts use (Windows, Edge, …).
/// </summary>
public sealed class BusinessApplication : IAudited, IVersioned
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public required string Name
    {
        get;
        set
        {
            field = value;
            NameKey = KeyOf(value);
        }
    }

    /// <summary>The name as it is compared: two applications of a tenant never share it, whatever their case.</summary>
    [NotAudited]
    public string NameKey { get; private set; } = "";

    public static string KeyOf(string name) => name.Trim().ToUpperInvariant();
    public string? Vendor { get; set; }
    public string? AppVersion { get; set; }
    public string? Owner { get; set; }

    /// <summary>The email address of the person who tests it; reminders go there.</summary>
    public string? TestContact { get; set; }

    public Criticality Criticality { get; set; } = Criticality.Other;
    public ApplicationKind Kind { get; set; } = ApplicationKind.Other;
    public List<string> Services { get; set; } = [];
    public int? Users { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Version { get; set; } = 1;

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

sealed class BusinessApplicationConfiguration : IEntityTypeConfiguration<BusinessApplication>
{
    public void Configure(EntityTypeBuilder<BusinessApplication> e)
    {
        e.Property(a => a.Name).HasMaxLength(ApplicationInput.MaxName);
        e.Property(a => a.Version).IsConcurrencyToken();
        // Names are unique within a tenant's catalog, whatever their case: an import matches rows by name.
        e.Property(a => a.NameKey).HasMaxLength(ApplicationInput.MaxName);
        e.HasIndex(a => new { a.TenantId, a.NameKey }).IsUnique();
        e.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
