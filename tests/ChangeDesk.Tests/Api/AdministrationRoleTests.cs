using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>Which roles may run the service: tenants, users, the matrix, change types and the audit check.</summary>
public sealed class AdministrationRoleTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    const string Cell = "/api/responsibility-matrix/cells/provide-new-functionality/managed-service";

    [Theory]
    [MemberData(nameof(RoleCases.ProviderAdminOnly), MemberType = typeof(RoleCases))]
    public async Task OnlyProviderAdminsCreateTenants(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        var name = $"Contoso {Guid.NewGuid():n}";

        var response = await user.PostJsonAsync("/api/tenants", new { name });

        await RoleCases.ExpectAllowedAsync(response, allowed, 201);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var tenants = await pa.GetJsonAsync<List<TenantView>>("/api/tenants");
        Assert.Equal(allowed ? 1 : 0, tenants.Count(t => t.Name == name));
    }

    [Theory]
    [MemberData(nameof(RoleCases.UserManagers), MemberType = typeof(RoleCases))]
    public async Task ProviderAdminsAndTenantAdminsCreateUsersOfATenant(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        var tenantId = user.TenantId ?? (await app.CreateTenantAsync()).Id;
        var email = $"new-reader-{Guid.NewGuid():n}@example.test";

        var response = await user.PostJsonAsync("/api/users", new { email, role = "tenant-reader", tenantId, password = "long-enough-password" });

        await RoleCases.ExpectAllowedAsync(response, allowed, 201);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var users = await pa.GetJsonAsync<List<UserView>>($"/api/users?tenantId={tenantId}");
        Assert.Equal(allowed ? 1 : 0, users.Count(u => u.Email == email && u.Role == "tenant-reader"));
    }

    [Theory]
    [MemberData(nameof(RoleCases.UserManagers), MemberType = typeof(RoleCases))]
    public async Task ProviderAdminsAndTenantAdminsListUsers(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);

        var response = await user.Client.GetAsync("/api/users", TestContext.Current.CancellationToken);

        await RoleCases.ExpectAllowedAsync(response, allowed);
        if (allowed)
        {
            Assert.Contains(await response.ReadAsync<List<UserView>>(), u => u.Id == user.Id);
        }
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderAdminOnly), MemberType = typeof(RoleCases))]
    public async Task OnlyProviderAdminsOverrideAMatrixCell(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        var tenantId = user.TenantId ?? (await app.CreateTenantAsync()).Id;

        var response = await user.PutJsonAsync(Cell, new { responsible = "both", tenantId });

        await RoleCases.ExpectAllowedAsync(response, allowed);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var cell = FunctionalityInManagedService(await pa.GetJsonAsync<MatrixView>($"/api/responsibility-matrix?tenantId={tenantId}"));
        Assert.Equal(allowed ? (Responsible.Both, CellSource.TenantOverride) : (Responsible.Provider, CellSource.Default), (cell.Responsible, cell.Source));
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderAdminOnly), MemberType = typeof(RoleCases))]
    public async Task OnlyProviderAdminsRemoveAMatrixOverride(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        var tenantId = user.TenantId ?? (await app.CreateTenantAsync()).Id;
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        await Expect.StatusAsync(await pa.PutJsonAsync(Cell, new { responsible = "both", tenantId }), 200);

        var response = await user.Client.DeleteAsync($"{Cell}?tenantId={tenantId}", TestContext.Current.CancellationToken);

        await RoleCases.ExpectAllowedAsync(response, allowed);
        var cell = FunctionalityInManagedService(await pa.GetJsonAsync<MatrixView>($"/api/responsibility-matrix?tenantId={tenantId}"));
        Assert.Equal(allowed ? CellSource.Default : CellSource.TenantOverride, cell.Source);
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderAdminOnly), MemberType = typeof(RoleCases))]
    public async Task OnlyProviderAdminsRenameAScope(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        var name = $"Custom apps {role}";

        var response = await user.PutJsonAsync("/api/responsibility-matrix/scopes/custom-software", new { name });

        await RoleCases.ExpectAllowedAsync(response, allowed);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var scopes = (await pa.GetJsonAsync<MatrixView>("/api/responsibility-matrix")).Scopes;
        Assert.Equal(allowed, scopes.Single(s => s.Key == Scope.CustomSoftware).Name == name);
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderAdminOnly), MemberType = typeof(RoleCases))]
    public async Task OnlyProviderAdminsRenameTheProvider(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        var name = $"Northwind {role}";

        var response = await user.PutJsonAsync("/api/responsibility-matrix/provider", new { name });

        await RoleCases.ExpectAllowedAsync(response, allowed);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        Assert.Equal(allowed, (await pa.GetJsonAsync<MatrixView>("/api/responsibility-matrix")).ProviderName == name);
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderAdminOnly), MemberType = typeof(RoleCases))]
    public async Task OnlyProviderAdminsSetTheNoticePeriodOfAChangeType(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        // Security changes are not used elsewhere in this class; the value differs per role so a write is visible.
        var days = 10 + (int)role;

        var response = await user.SendAsync(HttpMethod.Patch, "/api/change-types/security", new { noticeDays = days });

        await RoleCases.ExpectAllowedAsync(response, allowed);
        var types = await user.GetJsonAsync<List<ChangeTypeView>>("/api/change-types");
        Assert.Equal(allowed, types.Single(t => t.Key == "security").NoticeDays == days);
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderAdminOnly), MemberType = typeof(RoleCases))]
    public async Task OnlyProviderAdminsVerifyTheAuditTrail(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);

        var response = await user.Client.GetAsync("/api/audit/verify", TestContext.Current.CancellationToken);

        await RoleCases.ExpectAllowedAsync(response, allowed);
        if (allowed)
        {
            var result = await response.ReadAsync<AuditVerification>();
            Assert.True(result.IsIntact);
            Assert.True(result.RecordsChecked > 0);
        }
    }

    [Fact]
    public async Task ATenantAdminCannotCreateUsersInAnotherTenantNorProviderStaff()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var other = await app.CreateTenantAsync();

        var elsewhere = await admin.PostJsonAsync("/api/users", new { email = $"x-{Guid.NewGuid():n}@example.test", role = "tenant-admin", tenantId = other.Id });
        var staff = await admin.PostJsonAsync("/api/users", new { email = $"y-{Guid.NewGuid():n}@example.test", role = "provider-admin" });
        var staffInOwnTenant = await admin.PostJsonAsync("/api/users", new { email = $"z-{Guid.NewGuid():n}@example.test", role = "provider-admin", tenantId = admin.TenantId });

        await Expect.ProblemAsync(elsewhere, 403, "forbidden");
        await Expect.ProblemAsync(staff, 403, "forbidden");
        var invalid = await Expect.ProblemAsync(staffInOwnTenant, 400, "validation");
        Assert.True(invalid.GetProperty("errors").TryGetProperty("tenant", out _));
    }

    [Fact]
    public async Task CreatingAUserWithAnUnknownRoleNamesTheRoleAndTheValidOnes()
    {
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        var problem = await Expect.ProblemAsync(
            await pa.PostJsonAsync("/api/users", new { email = $"x-{Guid.NewGuid():n}@example.test", role = "superuser" }), 400, "validation");

        var message = Assert.Single(problem.GetProperty("errors").GetProperty("role").EnumerateArray()).GetString();
        Assert.Contains("'superuser'", message);
        Assert.Contains(Roles.AllNames, message);
    }

    static MatrixCellView FunctionalityInManagedService(MatrixView view) =>
        view.Rows.Single(r => r.Activity == Activity.ProvideNewFunctionality).Cells.Single(c => c.Scope == Scope.ManagedService);
}
