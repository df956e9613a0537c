using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Approvals;
using ChangeDesk.Tests.Releases;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Data;

/// <summary>
/// Versions (ETags and concurrency tokens) move by one per save that changes a versioned row, whether the code counts
/// the version itself or leaves it to the save; the service's own bookkeeping on a row leaves it alone.
/// </summary>
public sealed class VersionTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task EachWriteThroughTheApiMovesTheETagByExactlyOne()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id);
        var change = await rm.CreateChangeAsync(input);

        var edited = await rm.SendAsync(HttpMethod.Put, $"/api/changes/{change.Id}", input with { Title = "Edited once" }, ("If-Match", change.ETag));
        await Expect.StatusAsync(edited, 200);
        var announced = await rm.SendAsync(HttpMethod.Post, $"/api/changes/{change.Id}/announce", new { }, ("If-Match", "\"2\""));
        await Expect.StatusAsync(announced, 200);

        Assert.Equal(("\"1\"", "\"2\"", "\"3\""), (change.ETag, edited.Headers.ETag?.Tag, announced.Headers.ETag?.Tag));
        Assert.Equal(3, (await rm.GetChangeAsync(change.Id)).Version);

        var release = await rm.CreateReleaseAsync(new { title = $"Emergency fix {Guid.NewGuid():n}", kind = "out-of-band", targetTenantIds = new[] { tenant.Id } });
        var mitigated = await rm.PostJsonAsync($"/api/releases/{release.Id}/mitigation", new { description = "Blocked the exploit at the proxy." });
        await Expect.StatusAsync(mitigated, 200);
        Assert.Equal(("\"1\"", "\"2\""), (release.ETag, mitigated.Headers.ETag?.Tag));
    }

    [Fact]
    public async Task ADecisionOnAnApprovalAddsOneToItsVersion()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var now = app.Clock.GetUtcNow();
        var change = await ApprovalScenario.AnnounceAsync(rm, "approve", now.AddDays(10), now.AddDays(20), null, tenant.Id);
        var before = await ApprovalVersionAsync(change.Id, tenant.Id);

        await ApprovalScenario.DecideOkAsync(admin, change.Id, "approve");

        Assert.Equal(before + 1, await ApprovalVersionAsync(change.Id, tenant.Id));
    }

    [Fact]
    public async Task SavingWithoutCountingTheVersionAddsOneAndCountingItAddsNoMore()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id));

        await WriteChangeAsync(change.Id, c => c.Description = "Left to the save.");
        Assert.Equal(2, (await rm.GetChangeAsync(change.Id)).Version);
        await WriteChangeAsync(change.Id, c =>
        {
            c.Description = "Counted by the code.";
            ((ChangeDesk.Data.IVersioned)c).Version++;
        });
        Assert.Equal(3, (await rm.GetChangeAsync(change.Id)).Version);
        await WriteChangeAsync(change.Id, _ => { });
        Assert.Equal(3, (await rm.GetChangeAsync(change.Id)).Version);
    }

    [Fact]
    public async Task TakingTheRolloutLeaseOfAReleaseLeavesItsETagAlone()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.CreateReleaseAsync(new { title = $"Emergency fix {Guid.NewGuid():n}", kind = "out-of-band", targetTenantIds = new[] { tenant.Id } });

        await WriteReleaseAsync(release.Id, r =>
        {
            r.LeaseOwner = "rollout-job-1";
            r.LeaseUntil = app.Clock.GetUtcNow().AddMinutes(1);
        });
        Assert.Equal(release.ETag, (await rm.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}")).ETag);

        await WriteReleaseAsync(release.Id, r => r.Description = "What the emergency fixes.");
        Assert.Equal("\"2\"", (await rm.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}")).ETag);
    }

    Task<int> ApprovalVersionAsync(int changeId, Guid tenant) => app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().ChangeApprovals
        .Where(a => a.ChangeId == changeId && a.TenantId == tenant).Select(a => a.Version).SingleAsync(TestContext.Current.CancellationToken));

    Task WriteChangeAsync(int id, Action<Change> edit) => app.AsSystemAsync(async s =>
    {
        var db = s.GetRequiredService<ChangeDeskDb>();
        await db.WriteAsync("Edit change in a test", async () => edit(await db.Changes.SingleAsync(c => c.Id == id, TestContext.Current.CancellationToken)),
            TestContext.Current.CancellationToken);
        return true;
    });

    Task WriteReleaseAsync(Guid id, Action<Release> edit) => app.AsSystemAsync(async s =>
    {
        var db = s.GetRequiredService<ChangeDeskDb>();
        await db.WriteAsync("Edit release in a test", async () => edit(await db.Releases.SingleAsync(r => r.Id == id, TestContext.Current.CancellationToken)),
            TestContext.Current.CancellationToken);
        return true;
    });
}
