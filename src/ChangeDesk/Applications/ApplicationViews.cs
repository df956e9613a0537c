using ChangeDesk.Web;

namespace ChangeDesk.Applications;

public sealed record ApplicationView(
    Guid Id, Guid TenantId, string Name, string? Vendor, string? Version, string? Owner, string? TestContact, Criticality Criticality,
    ApplicationKind Kind, IReadOnlyList<string> Services, int? Users, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Revision) : ITagged
{
    /// <summary>The catalog entry's version (the application's own is <see cref="Version"/>), sent as the ETag.</summary>
    public string ETag => EntityTags.Of(Revision);

    public static ApplicationView Of(BusinessApplication a) => new(
        a.Id, a.TenantId, a.Name, a.Vendor, a.AppVersion, a.Owner, a.TestContact, a.Criticality, a.Kind, a.Services, a.Users, a.CreatedAt,
        a.UpdatedAt, a.Version);
}

/// <summary>What an import did: rows added and rows that updated an application of the same name.</summary>
public sealed record ImportResult(int Created, int Updated, int Unchanged);
