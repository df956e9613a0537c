namespace ChangeDesk.Responsibility;

/// <summary>The seven activities of the seed's "Balance of responsibility" table.</summary>
public enum Activity
{
    ProvideNewFunctionality,
    TestNewFeatures,
    CommunicateNewFeatures,
    IntegrateCustomSoftware,
    ApplySecurityUpdates,
    MaintainSystemSoftware,
    PackageForDeployment,
}

/// <summary>The four scopes (columns) of the responsibility matrix.</summary>
public enum Scope
{
    ManagedService,
    M365Client,
    OnPremises,
    CustomSoftware,
}

public enum Responsible
{
    Provider,
    Customer,
    Both,
}

/// <summary>Which side of the service a user or a task belongs to.</summary>
public enum Party
{
    Provider,
    Customer,
}

public static class ResponsibleExtensions
{
    public static bool Includes(this Responsible responsible, Party party) => responsible switch
    {
        Responsible.Both => true,
        Responsible.Provider => party == Party.Provider,
        Responsible.Customer => party == Party.Customer,
        _ => false,
    };
}

/// <summary>
/// Answers "who is responsible for activity A in scope S" for one tenant: a tenant override wins over a
/// service-wide override, which wins over the seed's default.
/// </summary>
public sealed class ResponsibilityMatrix
{
    static readonly Responsible P = Responsible.Provider, C = Responsible.Customer, B = Responsible.Both;

    // Rows follow Activity, columns follow Scope, values are the seed's table.
    static readonly Responsible[,] Seed =
    {
        { P, P, B, C }, // Provide new functionality
        { P, P, B, C }, // Test new features for quality assurance
        { B, B, B, C }, // Communicate about new features
        { B, B, C, C }, // Integrate custom software
        { P, P, C, C }, // Apply security updates
        { P, P, C, C }, // Maintain system software
        { P, P, C, C }, // Package for deployment
    };

    readonly Dictionary<(Activity, Scope), Responsible> serviceWide;
    readonly Dictionary<(Activity, Scope), Responsible> tenant;

    public ResponsibilityMatrix(
        IEnumerable<(Activity Activity, Scope Scope, Responsible Responsible)>? serviceWideOverrides = null,
        IEnumerable<(Activity Activity, Scope Scope, Responsible Responsible)>? tenantOverrides = null)
    {
        serviceWide = (serviceWideOverrides ?? []).ToDictionary(o => (o.Activity, o.Scope), o => o.Responsible);
        tenant = (tenantOverrides ?? []).ToDictionary(o => (o.Activity, o.Scope), o => o.Responsible);
    }

    public static ResponsibilityMatrix Default { get; } = new();

    public static Responsible SeedDefault(Activity activity, Scope scope) => Seed[(int)activity, (int)scope];

    public Responsible Who(Activity activity, Scope scope) =>
        tenant.TryGetValue((activity, scope), out var t) ? t
        : serviceWide.TryGetValue((activity, scope), out var s) ? s
        : SeedDefault(activity, scope);

    public CellSource SourceOf(Activity activity, Scope scope) =>
        tenant.ContainsKey((activity, scope)) ? CellSource.TenantOverride
        : serviceWide.ContainsKey((activity, scope)) ? CellSource.ServiceOverride
        : CellSource.Default;

    public bool IsResponsible(Party party, Activity activity, Scope scope) => Who(activity, scope).Includes(party);

    public static string Describe(Activity activity) => activity switch
    {
        Activity.ProvideNewFunctionality => "Provide new functionality",
        Activity.TestNewFeatures => "Test new features for quality assurance",
        Activity.CommunicateNewFeatures => "Communicate about new features",
        Activity.IntegrateCustomSoftware => "Integrate custom software",
        Activity.ApplySecurityUpdates => "Apply security updates",
        Activity.MaintainSystemSoftware => "Maintain system software",
        Activity.PackageForDeployment => "Package for deployment",
        _ => activity.ToString(),
    };

    public static string DefaultScopeName(Scope scope) => scope switch
    {
        Scope.ManagedService => "Managed desktop service",
        Scope.M365Client => "Microsoft 365 client software",
        Scope.OnPremises => "On-premises clients and servers",
        Scope.CustomSoftware => "Non-Microsoft and custom software",
        _ => scope.ToString(),
    };
}

public enum CellSource
{
    Default,
    ServiceOverride,
    TenantOverride,
}
