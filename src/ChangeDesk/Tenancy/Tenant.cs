using ChangeDesk.Audit;

namespace ChangeDesk.Tenancy;

public sealed class Tenant : IAudited
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; init; }

    Guid? IAudited.AuditTenantId => Id;
    int? IAudited.AuditChangeId => null;
}
