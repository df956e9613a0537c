using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

public sealed class RolloutFlowTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task AnOutOfBandReleaseRollsOutRingByRingAsTimePasses()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var release = await rm.StartOutOfBandAsync(tenant.Id);
        Assert.Equal(ReleaseState.InProgress, release.State);

        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test").State == RingState.Deploying, "the Test ring to start");
        var view = await admin.RolloutAsync(release.Id);
        var own = Assert.Single(view.Tenants);
        Assert.Equal(["Test", "First", "Fast", "Broad"], own.Rings.Select(r => r.Name));
        Assert.Equal(GateStatus.Awaiting, own.Rings[1].Gate);
        Assert.Equal(release.StartedAt!.Value.AddDays(1), own.Rings[1].Until);

        app.Clock.Advance(TimeSpan.FromDays(1));
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "First").State == RingState.Deploying, "the First ring to start");
        Assert.Equal(RingState.Completed, (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test").State);

        var posts = await app.ReleasePostsAsync(release.Id);
        var start = Assert.Single(posts);
        Assert.Contains("rollout started", start.Title);
        Assert.Equal([tenant.Id], start.Tenants.Select(t => t.TenantId));
    }
}
