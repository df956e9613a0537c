using ChangeDesk.Releases;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using ChangeDesk.Tests.SupportRequests;

namespace ChangeDesk.Tests.Releases;

/// <summary>Support requests a tenant files against a release are one of the release's signals.</summary>
public sealed class SupportRequestCountsTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    async Task<ReleaseView> RunningAsync(TestUser rm, params Guid[] tenants)
    {
        var release = await rm.StartOutOfBandAsync(tenants);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Tenants.All(t => t.Rings[0].State == RingState.Deploying), "every Test ring to start");
        return release;
    }

    static object Healthy(ReleaseView release, Guid tenant, int devices) =>
        new { releaseId = release.Id, tenantId = tenant, ring = "Test", devices, installSuccesses = devices - 1, installFailures = 1 };

    [Fact]
    public async Task SupportRequestsAgainstAReleaseAboveTheirThresholdPauseThatTenantsRollout()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var (bystander, bystanderAdmin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await RunningAsync(rm, tenant.Id, bystander.Id);
        await Expect.StatusAsync(await rm.SignalsAsync(Healthy(release, tenant.Id, 100), Healthy(release, bystander.Id, 100)), 200);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Tenants.All(t => t.Rings[0].Signals.Devices == 100), "the device counts to arrive");
        Assert.All((await rm.RolloutAsync(release.Id)).Tenants, t => Assert.False(t.IsPaused));

        // One request on 100 devices is 10 per 1,000, above the default 5; the bystander files one about a change only.
        var filed = await admin.FileAsync(severity: "b", releaseId: release.Id, title: "Outlook crashes since the fix");
        Assert.Equal(release.Id, filed.ReleaseId);
        Assert.Equal(release.Title, filed.ReleaseTitle);
        await bystanderAdmin.FileAsync(severity: "b");

        var view = await Poll.ForAsync(async () =>
        {
            await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
            return await rm.RolloutAsync(release.Id);
        }, v => v.Tenants.Single(t => t.TenantId == tenant.Id).IsPaused, what: "the tenant with the support request to pause");

        var paused = view.Tenants.Single(t => t.TenantId == tenant.Id);
        Assert.Equal(1, paused.SupportRequests);
        var pause = Assert.Single(paused.Pauses);
        Assert.Equal(PauseCause.SignalBreach, pause.Cause);
        Assert.Contains("support requests 10 per 1,000 devices", pause.Reason);
        var bystanderView = view.Tenants.Single(t => t.TenantId == bystander.Id);
        Assert.False(bystanderView.IsPaused);
        Assert.Equal(0, bystanderView.SupportRequests);
    }

    [Fact]
    public async Task ATenantCannotLinkARequestToAReleaseThatDoesNotReachIt()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var (_, otherAdmin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);

        var refused = await otherAdmin.PostJsonAsync("/api/support-requests", SupportSteps.Body(releaseId: release.Id));
        await SupportSteps.ValidationProblemAsync(refused, "releaseId");
        Assert.Empty((await rm.GetJsonAsync<ChangeDesk.Support.SupportRequestPage>($"/api/support-requests?releaseId={release.Id}")).Items);
        // An id of no release at all, the empty GUID included, is refused too rather than silently dropped.
        await SupportSteps.ValidationProblemAsync(await otherAdmin.PostJsonAsync("/api/support-requests", SupportSteps.Body(releaseId: Guid.Empty)), "releaseId");
        await SupportSteps.ValidationProblemAsync(await otherAdmin.PostJsonAsync("/api/support-requests", SupportSteps.Body(releaseId: Guid.NewGuid())), "releaseId");
    }
}
