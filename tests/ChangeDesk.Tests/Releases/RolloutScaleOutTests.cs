using ChangeDesk.Data;
using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Notifications;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Releases;

/// <summary>Three instances on one database apply the rollout engine at the same moments: every step happens once.</summary>
public sealed class RolloutScaleOutTests : ThreeInstances
{
    Task PassesAsync() => Task.WhenAll(Instances.SelectMany(i => new[] { i.Job(), i.Job() }).Select(j => j.RunOnceAsync(TestContext.Current.CancellationToken)));

    [Fact]
    public async Task ConcurrentPassesStartEachRingAndPauseOnABreachExactlyOnce()
    {
        var app = Instances[0];
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);

        // A pass skips a release another pass holds (the background job may hold it too), so rounds go on until one
        // has started the ring; what must hold is that it started once, checked below.
        await Poll.UntilAsync(async () =>
        {
            await PassesAsync();
            return (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test").State == RingState.Deploying;
        }, what: "the Test ring to start");
        for (var i = 0; i < 5; i++)
        {
            await PassesAsync();
        }

        await Expect.StatusAsync(await rm.SignalsAsync(new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test", devices = 100, installSuccesses = 70, installFailures = 30 }), 200);
        await Poll.UntilAsync(async () =>
        {
            await PassesAsync();
            return (await rm.RolloutAsync(release.Id)).Tenants[0].IsPaused;
        }, what: "the breach pause");
        for (var i = 0; i < 5; i++)
        {
            await PassesAsync();
        }

        var view = await rm.RolloutAsync(release.Id);
        Assert.Single(view.Tenants[0].Pauses);
        var posts = await app.ReleasePostsAsync(release.Id);
        Assert.Single(posts, p => p.Title.EndsWith("rollout paused", StringComparison.Ordinal));
        Assert.Single(posts, p => p.Title.EndsWith("rollout started", StringComparison.Ordinal));
        var alerts = (await app.OutboxRowsAsync([rm.Email])).Count(o => o.Subject!.StartsWith("[ChangeDesk] Rollout paused", StringComparison.Ordinal));
        Assert.Equal(1, alerts);
        // No lease is left behind.
        var leased = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Releases.CountAsync(r => r.LeaseOwner != null));
        Assert.Equal(0, leased);
    }
}
