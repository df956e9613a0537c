using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

/// <summary>The gating API, as a deployment tool calls it with a provider's or a tenant's token.</summary>
public sealed class GateApiTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task TheGateAnswersAllowedAwaitingWithTheInstantAndPreventedWithReasons()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test").State == RingState.Deploying, "the Test ring to start");

        var test = await admin.GateAsync(release.Id, tenant.Id, "Test");
        Assert.Equal(GateStatus.Allowed, test.Status);
        Assert.Empty(test.Reasons);
        Assert.Equal(RingState.Deploying, test.RingState);

        var first = await admin.GateAsync(release.Id, tenant.Id, "first"); // ring names are not case-sensitive
        Assert.Equal("First", first.Ring);
        Assert.Equal(GateStatus.Awaiting, first.Status);
        Assert.Equal(release.StartedAt!.Value.AddDays(1), first.Until);
        Assert.Contains(first.Reasons, r => r.Code == GateReason.Deferral);

        var broad = await rm.GateAsync(release.Id, tenant.Id, "Broad");
        Assert.Equal(GateStatus.Awaiting, broad.Status);
        Assert.Equal(GateReason.PreviousRing, Assert.Single(broad.Reasons).Code);
        Assert.Equal(release.StartedAt!.Value.AddDays(9), broad.Until);

        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Hold on" }), 200);
        var held = await rm.GateAsync(release.Id, tenant.Id, "Test");
        Assert.Equal(GateStatus.Prevented, held.Status);
        Assert.Equal(GateReason.PausedByTenant, Assert.Single(held.Reasons).Code);
        Assert.Null(held.Until);
    }

    [Fact]
    public async Task TheGateAnswersInJsonWithKebabCaseNames()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);

        var response = await admin.Client.GetAsync($"/api/gates?release={release.Id}&tenant={tenant.Id}&ring=First", TestContext.Current.CancellationToken);

        await Expect.StatusAsync(response, 200);
        var json = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"status\":\"awaiting\"", json);
        Assert.Contains("\"code\":\"deferral\"", json);
        Assert.Contains("\"until\":", json);
    }

    [Fact]
    public async Task ATenantCannotAskAboutAnotherTenantsGates()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var readerB = await app.CreateUserAsync(Role.TenantReader, b.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(a.Id, b.Id);

        await Expect.ProblemAsync(await adminB.Client.GetAsync($"/api/gates?release={release.Id}&tenant={a.Id}&ring=Test", TestContext.Current.CancellationToken), 403, "forbidden");
        // A tenant's read-only token may ask about its own tenant, as a deployment script would.
        Assert.Equal(b.Id, (await readerB.GateAsync(release.Id, b.Id, "Test")).TenantId);
        // Support engineers read every tenant's gates.
        var support = await app.CreateUserAsync(Role.SupportEngineer);
        Assert.Equal(a.Id, (await support.GateAsync(release.Id, a.Id, "Test")).TenantId);
    }

    [Fact]
    public async Task AMissingParameterUnknownRingOrTenantOutsideTheReleaseIsAProblem()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var (outsider, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        var ct = TestContext.Current.CancellationToken;

        var missing = await Expect.ProblemAsync(await rm.Client.GetAsync($"/api/gates?release={release.Id}", ct), 400, "validation");
        var errors = missing.GetProperty("errors");
        Assert.True(errors.TryGetProperty("tenant", out _));
        Assert.True(errors.TryGetProperty("ring", out _));
        Assert.False(errors.TryGetProperty("release", out _));

        var ring = await Expect.ProblemAsync(await rm.Client.GetAsync($"/api/gates?release={release.Id}&tenant={tenant.Id}&ring=Canary", ct), 404, "not-found");
        Assert.Contains("Test, First, Fast, Broad", ring.GetProperty("detail").GetString());
        await Expect.ProblemAsync(await rm.Client.GetAsync($"/api/gates?release={release.Id}&tenant={outsider.Id}&ring=Test", ct), 404, "not-found");
        await Expect.ProblemAsync(await rm.Client.GetAsync($"/api/gates?release={Guid.NewGuid()}&tenant={tenant.Id}&ring=Test", ct), 404, "not-found");
        Assert.Equal(401, (int)(await app.CreateClient().GetAsync($"/api/gates?release={release.Id}&tenant={tenant.Id}&ring=Test", ct)).StatusCode);
    }

    [Fact]
    public async Task BeforeAScheduledReleaseStartsEveryRingAwaitsItsProjectedStart()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var start = app.Clock.GetUtcNow().AddDays(10);
        var release = await rm.CreateReleaseAsync(new { title = "Next security release", kind = "security", plannedStart = start, targetTenantIds = new[] { tenant.Id } });

        var fast = await admin.GateAsync(release.Id, tenant.Id, "Fast");

        Assert.Equal(GateStatus.Awaiting, fast.Status);
        Assert.Equal(GateReason.NotStarted, Assert.Single(fast.Reasons).Code);
        Assert.Equal(start.AddDays(6), fast.Until);
    }
}
