using ChangeDesk.Audit;
using ChangeDesk.Data;

namespace ChangeDesk.Tenancy;

public sealed class Tenant : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; init; }

    Guid? IAudited.AuditTenantId => Id;
    int? IAudited.AuditChangeId => null;
}
