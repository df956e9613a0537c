using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// The matrix decides who may create which change and who gets which task. Every override here is for a tenant
/// of the test's own, so the service-wide matrix stays the seed's for every test of the class.
/// </summary>
public sealed class ResponsibilityMatrixTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    const string FunctionalityInManagedService = "/api/responsibility-matrix/cells/provide-new-functionality/managed-service";

    DateTimeOffset InAMonth => app.Clock.GetUtcNow().AddDays(30);

    ChangeInput Functionality(string scope) => ApiSteps.TenantChange(InAMonth) with { Scope = scope };

    [Theory]
    [InlineData("custom-software", true)]
    [InlineData("on-premises", true)]
    [InlineData("managed-service", false)]
    [InlineData("m365-client", false)]
    public async Task ATenantAdminCreatesFunctionalityChangesOnlyWhereTheCustomerProvidesFunctionality(string scope, bool allowed)
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.PostJsonAsync("/api/changes", Functionality(scope));

        if (allowed)
        {
            Assert.Equal(scope, Web.EnumNames.Of((await response.ReadAsync<ChangeView>(201)).Scope));
        }
        else
        {
            var problem = await Expect.ProblemAsync(response, 403, "responsibility");
            Assert.Equal("provide-new-functionality", problem.GetProperty("activity").GetString());
            Assert.Equal(scope, problem.GetProperty("scope").GetString());
        }
    }

    [Theory]
    [InlineData("managed-service", true)]
    [InlineData("m365-client", true)]
    [InlineData("on-premises", false)]
    [InlineData("custom-software", false)]
    public async Task TheProviderCreatesSecurityChangesOnlyWhereItAppliesSecurityUpdates(string scope, bool allowed)
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(InAMonth, tenant.Id) with { Type = "security", Subtype = null, Scope = scope };

        var response = await rm.PostJsonAsync("/api/changes", input);

        if (allowed)
        {
            var change = await response.ReadAsync<ChangeView>(201);
            Assert.Equal(("security", "security-update"), (change.Type, change.Subtype));
        }
        else
        {
            var problem = await Expect.ProblemAsync(response, 403, "responsibility");
            Assert.Equal("apply-security-updates", problem.GetProperty("activity").GetString());
            Assert.Contains("service-wide matrix", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task ATenantOverrideGrantsThatTenantAndNoOtherTheRightToDeliverFunctionality()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (_, adminB) = await app.CreateTenantWithAdminAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        await Expect.ProblemAsync(await adminA.PostJsonAsync("/api/changes", Functionality("managed-service")), 403, "responsibility");

        var view = await (await pa.PutJsonAsync(FunctionalityInManagedService, new { responsible = "both", tenantId = a.Id })).ReadAsync<MatrixView>();

        Assert.Equal((a.Id, a.Name), (view.TenantId!.Value, view.TenantName));
        Assert.Equal((Responsible.Both, "Both", CellSource.TenantOverride), Describe(view, Activity.ProvideNewFunctionality, Scope.ManagedService));
        await Expect.StatusAsync(await adminA.PostJsonAsync("/api/changes", Functionality("managed-service")), 201);
        await Expect.ProblemAsync(await adminB.PostJsonAsync("/api/changes", Functionality("managed-service")), 403, "responsibility");

        var cleared = await (await pa.Client.DeleteAsync($"{FunctionalityInManagedService}?tenantId={a.Id}", TestContext.Current.CancellationToken)).ReadAsync<MatrixView>();
        Assert.Equal((Responsible.Provider, "Provider", CellSource.Default), Describe(cleared, Activity.ProvideNewFunctionality, Scope.ManagedService));
        await Expect.ProblemAsync(await adminA.PostJsonAsync("/api/changes", Functionality("managed-service")), 403, "responsibility");
        await Expect.ProblemAsync(await pa.Client.DeleteAsync($"{FunctionalityInManagedService}?tenantId={a.Id}", TestContext.Current.CancellationToken), 404, "not-found");
    }

    [Fact]
    public async Task ATenantOverrideCanTakeARightAwayFromTheCustomer()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        await Expect.StatusAsync(await pa.PutJsonAsync("/api/responsibility-matrix/cells/provide-new-functionality/custom-software",
            new { responsible = "provider", tenantId = a.Id }), 200);

        await Expect.ProblemAsync(await adminA.PostJsonAsync("/api/changes", Functionality("custom-software")), 403, "responsibility");
    }

    [Fact]
    public async Task ATenantOverrideNamingTheCustomerStopsTheProviderTargetingThatTenant()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        await Expect.StatusAsync(await pa.PutJsonAsync(FunctionalityInManagedService, new { responsible = "customer", tenantId = a.Id }), 200);

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync("/api/changes", ApiSteps.ProviderFeature(InAMonth, b.Id, a.Id)), 403, "responsibility");

        Assert.Contains($"tenant {a.Id}'s matrix", problem.GetProperty("detail").GetString());
        await Expect.StatusAsync(await rm.PostJsonAsync("/api/changes", ApiSteps.ProviderFeature(InAMonth, b.Id)), 201);
    }

    [Fact]
    public async Task ATenantOverrideDecidesWhichTenantsGetAChecklistTask()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        await Expect.StatusAsync(await pa.PutJsonAsync("/api/responsibility-matrix/cells/communicate-new-features/managed-service",
            new { responsible = "provider", tenantId = a.Id }), 200);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id, b.Id));

        var announced = await rm.ActAsync(change.Id, "announce");

        const string communicate = "Communicate the new functionality to your users";
        Assert.DoesNotContain(announced.Checklist, t => t.TenantId == a.Id && t.Text == communicate);
        Assert.Single(announced.Checklist, t => t.TenantId == b.Id && t.Text == communicate);
    }

    [Fact]
    public async Task TheDefaultMatrixIsTheSeedsTable()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var view = await admin.GetJsonAsync<MatrixView>("/api/responsibility-matrix");

        Assert.Equal([Scope.ManagedService, Scope.M365Client, Scope.OnPremises, Scope.CustomSoftware], view.Scopes.Select(s => s.Key));
        Assert.Equal(Enum.GetValues<Activity>(), view.Rows.Select(r => r.Activity));
        Assert.Equal("Provider", view.ProviderName);
        Assert.Equal(["Provider", "Provider", "Both", "Customer"], Labels(view, Activity.ProvideNewFunctionality));
        Assert.Equal(["Both", "Both", "Customer", "Customer"], Labels(view, Activity.IntegrateCustomSoftware));
        Assert.Equal(["Provider", "Provider", "Customer", "Customer"], Labels(view, Activity.ApplySecurityUpdates));
        Assert.All(view.Rows.SelectMany(r => r.Cells), c => Assert.Equal(CellSource.Default, c.Source));
    }

    [Fact]
    public async Task TheMatrixExportsAsCsvWithATenantsOverrides()
    {
        var (a, admin) = await app.CreateTenantWithAdminAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        await Expect.StatusAsync(await pa.PutJsonAsync(FunctionalityInManagedService, new { responsible = "both", tenantId = a.Id }), 200);

        var response = await admin.Client.GetAsync("/api/responsibility-matrix?format=csv", TestContext.Current.CancellationToken);

        await Expect.StatusAsync(response, 200);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("responsibility-matrix.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var csv = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(
            "Responsibility,Managed desktop service,Microsoft 365 client software,On-premises clients and servers,Non-Microsoft and custom software\r\n"
            + "Provide new functionality,Both,Provider,Both,Customer\r\n"
            + "Test new features for quality assurance,Provider,Provider,Both,Customer\r\n"
            + "Communicate about new features,Both,Both,Both,Customer\r\n"
            + "Integrate custom software,Both,Both,Customer,Customer\r\n"
            + "Apply security updates,Provider,Provider,Customer,Customer\r\n"
            + "Maintain system software,Provider,Provider,Customer,Customer\r\n"
            + "Package for deployment,Provider,Provider,Customer,Customer\r\n",
            csv);
    }

    [Fact]
    public async Task TheMatrixExportsAsAMarkdownTable()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.Client.GetAsync("/api/responsibility-matrix?format=markdown", TestContext.Current.CancellationToken);

        await Expect.StatusAsync(response, 200);
        Assert.Equal("text/markdown", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, lines.Length);
        Assert.Equal("| Responsibility | Managed desktop service | Microsoft 365 client software | On-premises clients and servers | Non-Microsoft and custom software |", lines[0]);
        Assert.Equal("| --- | --- | --- | --- | --- |", lines[1]);
        Assert.Equal("| Provide new functionality | Provider | Provider | Both | Customer |", lines[2]);
        Assert.Equal("| Package for deployment | Provider | Provider | Customer | Customer |", lines[8]);
    }

    [Fact]
    public async Task AnUnknownExportFormatIsAValidationProblem()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var problem = await Expect.ProblemAsync(await admin.Client.GetAsync("/api/responsibility-matrix?format=xlsx", TestContext.Current.CancellationToken), 400, "validation");

        Assert.True(problem.GetProperty("errors").TryGetProperty("format", out _));
    }

    [Theory]
    [InlineData("make-coffee", "managed-service", "both", "activity")]
    [InlineData("provide-new-functionality", "everywhere", "both", "scope")]
    [InlineData("provide-new-functionality", "managed-service", "nobody", "responsible")]
    public async Task OverridingACellNamesTheFieldThatIsNotValid(string activity, string scope, string responsible, string field)
    {
        var tenant = await app.CreateTenantAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        var problem = await Expect.ProblemAsync(
            await pa.PutJsonAsync($"/api/responsibility-matrix/cells/{activity}/{scope}", new { responsible, tenantId = tenant.Id }), 400, "validation");

        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task OverridingACellForAnUnknownTenantIsNotFound()
    {
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        await Expect.ProblemAsync(await pa.PutJsonAsync(FunctionalityInManagedService, new { responsible = "both", tenantId = Guid.NewGuid() }), 404, "not-found");
        await Expect.ProblemAsync(await pa.Client.GetAsync($"/api/responsibility-matrix?tenantId={Guid.NewGuid()}", TestContext.Current.CancellationToken), 404, "not-found");
    }

    static (Responsible, string, CellSource) Describe(MatrixView view, Activity activity, Scope scope)
    {
        var cell = view.Rows.Single(r => r.Activity == activity).Cells.Single(c => c.Scope == scope);
        return (cell.Responsible, cell.Label, cell.Source);
    }

    static string[] Labels(MatrixView view, Activity activity) => view.Rows.Single(r => r.Activity == activity).Cells.Select(c => c.Label).ToArray();
}
