using ChangeDesk.Audit;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// A write's audit records are committed with it and chained moments later. Here the chain job is off, so what a
/// provider admin sees between the two stays put: the records are shown, marked as not chained, and verification
/// vouches only for the chain and says how many records wait.
/// </summary>
public sealed class AuditChainDelayTests(AuditChainDelayTests.ChainJobOff app) : IClassFixture<AuditChainDelayTests.ChainJobOff>
{
    public sealed class ChainJobOff : ChangeDeskFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("BackgroundJobs:Enabled", "false");
        }
    }

    [Fact]
    public async Task RecordsNotChainedYetAreShownAsSuchAndVerifiedOnceChained()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        await app.ChainAuditAsync();
        var before = await pa.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.Equal((true, 0L), (before.IsIntact, before.PendingRecords));

        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id));

        // Written, not chained: the change's timeline shows the records without a place in the chain.
        var timeline = await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={change.Id}");
        Assert.NotEmpty(timeline);
        Assert.All(timeline, r => Assert.Equal((null, null), (r.Sequence, r.Hash)));
        var pending = await pa.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.True(pending.IsIntact);
        Assert.Equal(before.RecordsChecked, pending.RecordsChecked);
        Assert.Equal(timeline.Count, pending.PendingRecords);
        Assert.Equal(timeline.Min(r => r.At), pending.OldestPendingAt);
        // The trail in chain order grows only at its end: it does not list them yet.
        var trail = await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?afterSequence={before.RecordsChecked}");
        Assert.Empty(trail);
        using (var browser = await app.SignInWithCookieAsync(pa))
        {
            var page = await (await browser.GetAsync("/audit", TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Contains("<td>not chained yet</td>", page, StringComparison.Ordinal);
        }

        await app.ChainAuditAsync();

        var chained = await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={change.Id}");
        Assert.Equal(
            Enumerable.Range(1, timeline.Count).Select(i => (long?)(before.RecordsChecked + i)),
            chained.Select(r => r.Sequence));
        Assert.All(chained, r => Assert.NotNull(r.Hash));
        var after = await pa.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.Equal((true, before.RecordsChecked + timeline.Count, 0L, (DateTimeOffset?)null),
            (after.IsIntact, after.RecordsChecked, after.PendingRecords, after.OldestPendingAt));
        Assert.Equal(chained[^1].Hash, after.HeadHash);
        Assert.Equal(chained.Count, (await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?afterSequence={before.RecordsChecked}")).Count);
    }
}
