using ChangeDesk.Audit;
using ChangeDesk.Data;

namespace ChangeDesk.Responsibility;

/// <summary>A cell of the matrix that differs from the seed: service-wide when TenantId is null.</summary>
public sealed class ResponsibilityOverride : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();
    public Guid? TenantId { get; init; }
    public Activity Activity { get; init; }
    public Scope Scope { get; init; }
    public Responsible Responsible { get; set; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

/// <summary>Service-wide names: scope labels and the provider's name.</summary>
public sealed class Setting : IAudited
{
    public required string Key { get; init; }
    public required string Value { get; set; }

    public const string ProviderName = "provider.name";
    public static string ScopeName(Scope scope) => $"scope.{scope}.name";

    Guid? IAudited.AuditTenantId => null;
    int? IAudited.AuditChangeId => null;
}
