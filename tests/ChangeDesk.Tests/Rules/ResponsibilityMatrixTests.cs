using ChangeDesk.Responsibility;

namespace ChangeDesk.Tests.Rules;

public sealed class ResponsibilityMatrixTests
{
    // The seed's "Balance of responsibility" table, as written there ("Microsoft" is the provider).
    // Columns: Managed desktop service | Microsoft 365 client software | On-premises | Non-Microsoft and custom software.
    static readonly (Activity Activity, string Label, string[] Cells)[] SeedTable =
    [
        (Activity.ProvideNewFunctionality, "Provide new functionality", ["Microsoft", "Microsoft", "Both", "Customer"]),
        (Activity.TestNewFeatures, "Test new features for quality assurance", ["Microsoft", "Microsoft", "Both", "Customer"]),
        (Activity.CommunicateNewFeatures, "Communicate about new features", ["Both", "Both", "Both", "Customer"]),
        (Activity.IntegrateCustomSoftware, "Integrate custom software", ["Both", "Both", "Customer", "Customer"]),
        (Activity.ApplySecurityUpdates, "Apply security updates", ["Microsoft", "Microsoft", "Customer", "Customer"]),
        (Activity.MaintainSystemSoftware, "Maintain system software", ["Microsoft", "Microsoft", "Customer", "Customer"]),
        (Activity.PackageForDeployment, "Package for deployment", ["Microsoft", "Microsoft", "Customer", "Customer"]),
    ];

    static readonly Scope[] Columns = [Scope.ManagedService, Scope.M365Client, Scope.OnPremises, Scope.CustomSoftware];

    static Responsible FromSeedWord(string word) => word switch
    {
        "Microsoft" => Responsible.Provider,
        "Customer" => Responsible.Customer,
        "Both" => Responsible.Both,
        _ => throw new ArgumentOutOfRangeException(nameof(word), word, null),
    };

    public static TheoryData<Activity, Scope, Responsible> SeedCells()
    {
        var data = new TheoryData<Activity, Scope, Responsible>();
        foreach (var (activity, _, cells) in SeedTable)
        {
            for (var column = 0; column < Columns.Length; column++)
            {
                data.Add(activity, Columns[column], FromSeedWord(cells[column]));
            }
        }
        return data;
    }

    [Fact]
    public void TheSeedTableHas28CellsCoveringEveryActivityAndScope()
    {
        var cells = SeedCells().Select(row => (row.Data.Item1, row.Data.Item2)).ToHashSet();

        Assert.Equal(28, cells.Count);
        Assert.Equal(Enum.GetValues<Activity>().Length * Enum.GetValues<Scope>().Length, cells.Count);
    }

    [Theory]
    [MemberData(nameof(SeedCells))]
    public void DefaultMatrixMatchesTheSeedTable(Activity activity, Scope scope, Responsible expected)
    {
        Assert.Equal(expected, ResponsibilityMatrix.SeedDefault(activity, scope));
        Assert.Equal(expected, ResponsibilityMatrix.Default.Who(activity, scope));
        Assert.Equal(CellSource.Default, ResponsibilityMatrix.Default.SourceOf(activity, scope));
    }

    [Fact]
    public void ActivitiesAreDescribedWithTheSeedsRowLabels()
    {
        Assert.All(SeedTable, row => Assert.Equal(row.Label, ResponsibilityMatrix.Describe(row.Activity)));
    }

    [Fact]
    public void ServiceWideOverrideReplacesTheSeedDefault()
    {
        var matrix = new ResponsibilityMatrix(serviceWideOverrides: [(Activity.PackageForDeployment, Scope.OnPremises, Responsible.Both)]);

        Assert.Equal(Responsible.Both, matrix.Who(Activity.PackageForDeployment, Scope.OnPremises));
        Assert.Equal(CellSource.ServiceOverride, matrix.SourceOf(Activity.PackageForDeployment, Scope.OnPremises));
    }

    [Fact]
    public void OverrideChangesOnlyItsOwnCell()
    {
        var matrix = new ResponsibilityMatrix(serviceWideOverrides: [(Activity.PackageForDeployment, Scope.OnPremises, Responsible.Both)]);

        Assert.Equal(Responsible.Customer, matrix.Who(Activity.PackageForDeployment, Scope.CustomSoftware));
        Assert.Equal(Responsible.Provider, matrix.Who(Activity.PackageForDeployment, Scope.ManagedService));
        Assert.Equal(Responsible.Customer, matrix.Who(Activity.MaintainSystemSoftware, Scope.OnPremises));
        Assert.Equal(CellSource.Default, matrix.SourceOf(Activity.MaintainSystemSoftware, Scope.OnPremises));
    }

    [Fact]
    public void TenantOverrideWinsOverServiceWideOverride()
    {
        var matrix = new ResponsibilityMatrix(
            serviceWideOverrides: [(Activity.TestNewFeatures, Scope.ManagedService, Responsible.Both)],
            tenantOverrides: [(Activity.TestNewFeatures, Scope.ManagedService, Responsible.Customer)]);

        Assert.Equal(Responsible.Customer, matrix.Who(Activity.TestNewFeatures, Scope.ManagedService));
        Assert.Equal(CellSource.TenantOverride, matrix.SourceOf(Activity.TestNewFeatures, Scope.ManagedService));
        Assert.False(matrix.IsResponsible(Party.Provider, Activity.TestNewFeatures, Scope.ManagedService));
        Assert.True(matrix.IsResponsible(Party.Customer, Activity.TestNewFeatures, Scope.ManagedService));
    }

    [Fact]
    public void TenantOverrideWinsOverTheSeedDefaultWithoutAServiceWideOverride()
    {
        var matrix = new ResponsibilityMatrix(tenantOverrides: [(Activity.ApplySecurityUpdates, Scope.OnPremises, Responsible.Provider)]);

        Assert.Equal(Responsible.Provider, matrix.Who(Activity.ApplySecurityUpdates, Scope.OnPremises));
        Assert.Equal(CellSource.TenantOverride, matrix.SourceOf(Activity.ApplySecurityUpdates, Scope.OnPremises));
    }

    [Fact]
    public void ServiceWideOverrideStillAppliesToCellsTheTenantDidNotOverride()
    {
        var matrix = new ResponsibilityMatrix(
            serviceWideOverrides: [(Activity.CommunicateNewFeatures, Scope.M365Client, Responsible.Provider)],
            tenantOverrides: [(Activity.CommunicateNewFeatures, Scope.ManagedService, Responsible.Customer)]);

        Assert.Equal(Responsible.Provider, matrix.Who(Activity.CommunicateNewFeatures, Scope.M365Client));
        Assert.Equal(CellSource.ServiceOverride, matrix.SourceOf(Activity.CommunicateNewFeatures, Scope.M365Client));
        Assert.Equal(Responsible.Customer, matrix.Who(Activity.CommunicateNewFeatures, Scope.ManagedService));
    }

    [Fact]
    public void BothIncludesTheProviderAndTheCustomer()
    {
        Assert.True(Responsible.Both.Includes(Party.Provider));
        Assert.True(Responsible.Both.Includes(Party.Customer));
    }

    [Fact]
    public void ProviderAndCustomerIncludeOnlyThemselves()
    {
        Assert.True(Responsible.Provider.Includes(Party.Provider));
        Assert.False(Responsible.Provider.Includes(Party.Customer));
        Assert.True(Responsible.Customer.Includes(Party.Customer));
        Assert.False(Responsible.Customer.Includes(Party.Provider));
    }

    [Fact]
    public void IsResponsibleFollowsTheSeedForASharedCell()
    {
        // On-premises functionality is "Both" in the seed.
        Assert.True(ResponsibilityMatrix.Default.IsResponsible(Party.Provider, Activity.ProvideNewFunctionality, Scope.OnPremises));
        Assert.True(ResponsibilityMatrix.Default.IsResponsible(Party.Customer, Activity.ProvideNewFunctionality, Scope.OnPremises));
        Assert.False(ResponsibilityMatrix.Default.IsResponsible(Party.Provider, Activity.ProvideNewFunctionality, Scope.CustomSoftware));
    }
}
