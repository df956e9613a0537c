using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

/// <summary>Who may pause and resume a rollout, and which pause wins: a tenant's pause is the tenant's to lift.</summary>
public sealed class PausePrecedenceTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    async Task<ReleaseView> RunningAsync(TestUser rm, Guid tenant)
    {
        var release = await rm.StartOutOfBandAsync(tenant);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(tenant, "Test").State == RingState.Deploying, "the Test ring to start");
        return release;
    }

    [Fact]
    public async Task ATenantPauseIsNotLiftedOrOverriddenByTheProviderResumingOrExpediting()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await RunningAsync(rm, tenant.Id);

        var paused = await (await admin.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Our payroll run is this week." })).ReadAsync<RolloutView>();
        var pause = Assert.Single(Assert.Single(paused.Tenants).Pauses);
        Assert.Equal(PauseSide.Tenant, pause.Side);
        Assert.Equal(admin.Email, pause.PausedBy);

        // The provider cannot lift it...
        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/resume", new { tenantId = tenant.Id }), 409, "paused-by-tenant");
        Assert.Contains("payroll", refused.GetProperty("detail").GetString());
        // ...nor override it by expediting: every remaining ring stays held.
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/expedite", new { tenantId = tenant.Id, reason = "Actively exploited" }), 200);
        await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
        app.Clock.Advance(TimeSpan.FromDays(2));
        await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
        await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);

        var view = await rm.RolloutAsync(release.Id);
        var own = Assert.Single(view.Tenants);
        Assert.True(own.IsPaused);
        Assert.NotNull(own.ExpeditedAt);
        Assert.Equal([RingState.Deploying, RingState.Pending, RingState.Pending, RingState.Pending], own.Rings.Select(r => r.State));
        Assert.All(own.Rings, r =>
        {
            Assert.Equal(GateStatus.Prevented, r.Gate);
            Assert.Equal(GateReason.PausedByTenant, r.Reasons[0].Code);
        });
        var gate = await rm.GateAsync(release.Id, tenant.Id, "Broad");
        Assert.Equal(GateStatus.Prevented, gate.Status);
        Assert.Equal(GateReason.PausedByTenant, gate.Reasons[0].Code);

        // Once the tenant lifts its pause, the expedite takes effect: every ring starts at once.
        var resumed = await (await admin.PostJsonAsync($"/api/releases/{release.Id}/resume", new { reason = "Payroll is done." })).ReadAsync<RolloutView>();
        Assert.False(Assert.Single(resumed.Tenants).IsPaused);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Tenants[0].Rings.All(r => r.State != RingState.Pending), "every ring to start");
        var after = (await rm.RolloutAsync(release.Id)).Tenants[0];
        Assert.True(after.Rings.Single(r => r.Name == "Broad").Expedited);
        Assert.Equal(GateStatus.Allowed, (await admin.GateAsync(release.Id, tenant.Id, "Broad")).Status);
    }

    [Fact]
    public async Task PausesSentAtTheSameMomentMakeOnePauseAndTheOthersAreToldItIsAlreadyPaused()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await RunningAsync(rm, tenant.Id);

        // Eight clicks at once (two browsers, a retrying script): on either database each writer sees the one before it.
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            admin.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Our payroll run is this week." })));
        Assert.Single(answers, a => (int)a.StatusCode == 200);
        foreach (var refused in answers.Where(a => (int)a.StatusCode != 200))
        {
            await Expect.ProblemAsync(refused, 409, "already-paused");
        }
        var view = await rm.RolloutAsync(release.Id);
        Assert.Single(Assert.Single(view.Tenants).Pauses);
    }

    [Fact]
    public async Task AProviderPauseIsLiftedByTheProviderNotByTheTenant()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await RunningAsync(rm, tenant.Id);

        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/pause", new { tenantId = tenant.Id, reason = "Investigating boot loops" }), 200);
        await Expect.ProblemAsync(await admin.PostJsonAsync($"/api/releases/{release.Id}/resume", new { }), 409, "paused-by-provider");
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/pause", new { tenantId = tenant.Id, reason = "again" }), 409, "already-paused");

        // Both sides may hold a pause at once; each lifts its own.
        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Testing our VPN client" }), 200);
        var afterProvider = await (await rm.PostJsonAsync($"/api/releases/{release.Id}/resume", new { tenantId = tenant.Id })).ReadAsync<RolloutView>();
        var own = Assert.Single(afterProvider.Tenants);
        Assert.True(own.IsPaused);
        Assert.Equal(PauseSide.Tenant, Assert.Single(own.Pauses, p => p.IsActive).Side);
        var afterTenant = await (await admin.PostJsonAsync($"/api/releases/{release.Id}/resume", new { })).ReadAsync<RolloutView>();
        Assert.False(Assert.Single(afterTenant.Tenants).IsPaused);
        Assert.Equal(2, afterTenant.Tenants[0].Pauses.Count);

        // Every pause and resume is an audited decision, and each side's advisory reached the tenant.
        var posts = await app.ReleasePostsAsync(release.Id);
        Assert.Equal(2, posts.Count(p => p.Title.EndsWith("rollout paused", StringComparison.Ordinal)));
        Assert.Equal(2, posts.Count(p => p.Title.EndsWith("rollout resumed", StringComparison.Ordinal)));
        Assert.Contains("stays paused", posts.First(p => p.Title.EndsWith("rollout resumed", StringComparison.Ordinal)).BodyMarkdown);
    }

    [Fact]
    public async Task AServiceWidePauseHoldsEveryTenantAndATenantCannotLiftIt()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(a.Id, b.Id);

        var view = await (await rm.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Vendor recalled the update" })).ReadAsync<RolloutView>();
        Assert.True(Assert.Single(view.ServiceWidePauses).IsActive);
        Assert.All(view.Tenants, t => Assert.True(t.IsPaused));
        await Expect.ProblemAsync(await adminA.PostJsonAsync($"/api/releases/{release.Id}/resume", new { }), 409, "paused-by-provider");
        // A tenant-scoped resume does not lift the pause that covers every tenant.
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/resume", new { tenantId = a.Id }), 409, "not-paused");
        await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(GateStatus.Prevented, (await adminA.GateAsync(release.Id, a.Id, "Test")).Status);

        var resumed = await (await rm.PostJsonAsync($"/api/releases/{release.Id}/resume", new { })).ReadAsync<RolloutView>();
        Assert.All(resumed.Tenants, t => Assert.False(t.IsPaused));
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Tenants.All(t => t.Rings[0].State == RingState.Deploying), "the Test rings to start");
    }

    [Fact]
    public async Task OnlyTenantAdminsAndTheProvidersReleaseStaffPauseAndATenantOnlyItsOwn()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var readerA = await app.CreateUserAsync(Role.TenantReader, a.Id);
        var support = await app.CreateUserAsync(Role.SupportEngineer);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(a.Id, b.Id);

        await Expect.ProblemAsync(await readerA.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "x" }), 403, "forbidden");
        await Expect.ProblemAsync(await support.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "x" }), 403, "forbidden");
        await Expect.ProblemAsync(await adminB.PostJsonAsync($"/api/releases/{release.Id}/pause", new { tenantId = a.Id, reason = "x" }), 403, "forbidden");
        await Expect.ProblemAsync(await adminB.PostJsonAsync($"/api/releases/{release.Id}/expedite", new { reason = "x" }), 403, "forbidden");
        var missing = await Expect.ProblemAsync(await adminB.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = " " }), 400, "validation");
        Assert.True(missing.GetProperty("errors").TryGetProperty("reason", out _));
        Assert.All((await rm.RolloutAsync(release.Id)).Tenants, t => Assert.False(t.IsPaused));
    }
}
