using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>ETags on changes: conditional reads and writes, so two people editing the same change do not overwrite each other.</summary>
public sealed class ConcurrencyTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    async Task<(TestUser Rm, ChangeInput Input, ChangeView Change)> DraftAsync()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id);
        return (rm, input, await rm.CreateChangeAsync(input));
    }

    [Fact]
    public async Task CreatingAndReadingAChangeSendTheETagOfItsVersion()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var created = await rm.PostJsonAsync("/api/changes", ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id));
        var change = await created.ReadAsync<ChangeView>(201);
        var read = await rm.Client.GetAsync($"/api/changes/{change.Id}", TestContext.Current.CancellationToken);

        Assert.Equal($"/api/changes/{change.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        Assert.Equal("\"1\"", read.Headers.ETag?.Tag);
        Assert.False(read.Headers.ETag!.IsWeak);
        Assert.Equal(1, (await read.ReadAsync<ChangeView>()).Version);
    }

    [Fact]
    public async Task EditingWithAStaleIfMatchIsRefusedWith412AndTheCurrentETag()
    {
        var (rm, input, change) = await DraftAsync();
        var first = await rm.SendAsync(HttpMethod.Put, $"/api/changes/{change.Id}", input with { Title = "First edit" }, ("If-Match", "\"1\""));
        await Expect.StatusAsync(first, 200);
        Assert.Equal("\"2\"", first.Headers.ETag?.Tag);

        var second = await rm.SendAsync(HttpMethod.Put, $"/api/changes/{change.Id}", input with { Title = "Lost update" }, ("If-Match", "\"1\""));

        var problem = await Expect.ProblemAsync(second, 412, "precondition-failed");
        Assert.Equal("\"2\"", second.Headers.ETag?.Tag);
        Assert.Contains("\"2\"", problem.GetProperty("detail").GetString());
        var current = await rm.GetChangeAsync(change.Id);
        Assert.Equal(("First edit", 2), (current.Title, current.Version));
    }

    [Fact]
    public async Task ATransitionWithAStaleIfMatchIsRefusedWith412()
    {
        var (rm, input, change) = await DraftAsync();
        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = "Edited meanwhile" }), 200);

        var response = await rm.SendAsync(HttpMethod.Post, $"/api/changes/{change.Id}/announce", new { }, ("If-Match", change.ETag));

        await Expect.ProblemAsync(response, 412, "precondition-failed");
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal(ChangeState.Draft, (await rm.GetChangeAsync(change.Id)).State);
    }

    [Fact]
    public async Task RecordingAMitigationWithAStaleIfMatchIsRefusedWith412()
    {
        var (rm, _, change) = await DraftAsync();
        await rm.ActAsync(change.Id, "announce");

        var response = await rm.SendAsync(HttpMethod.Post, $"/api/changes/{change.Id}/mitigations", new { description = "Paused the ring" }, ("If-Match", "\"1\""));

        await Expect.ProblemAsync(response, 412, "precondition-failed");
        Assert.Empty((await rm.GetChangeAsync(change.Id)).Mitigations);
    }

    [Theory]
    [InlineData("\"{0}\"")]
    [InlineData("\"99\", \"{0}\"")]
    [InlineData("*")]
    public async Task AMatchingIfMatchLetsTheWriteThroughAndReturnsTheNewETag(string ifMatch)
    {
        var (rm, input, change) = await DraftAsync();
        var header = string.Format(System.Globalization.CultureInfo.InvariantCulture, ifMatch, change.Version);

        var edit = await rm.SendAsync(HttpMethod.Put, $"/api/changes/{change.Id}", input with { Title = "Edited" }, ("If-Match", header));
        await Expect.StatusAsync(edit, 200);
        Assert.Equal("\"2\"", edit.Headers.ETag?.Tag);
        var announce = await rm.SendAsync(HttpMethod.Post, $"/api/changes/{change.Id}/announce", new { }, ("If-Match", edit.Headers.ETag!.Tag));

        var announced = await announce.ReadAsync<ChangeView>();
        Assert.Equal("\"3\"", announce.Headers.ETag?.Tag);
        Assert.Equal((ChangeState.Announced, "Edited", 3), (announced.State, announced.Title, announced.Version));
    }

    [Fact]
    public async Task IfNoneMatchWithTheCurrentETagAnswers304AndAStaleOneTheChange()
    {
        var (rm, input, change) = await DraftAsync();

        var unchanged = await rm.SendAsync(HttpMethod.Get, $"/api/changes/{change.Id}", null, ("If-None-Match", "\"1\""));
        Assert.Equal(304, (int)unchanged.StatusCode);
        Assert.Equal("\"1\"", unchanged.Headers.ETag?.Tag);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = "Edited" }), 200);
        var changed = await rm.SendAsync(HttpMethod.Get, $"/api/changes/{change.Id}", null, ("If-None-Match", "\"1\""));

        Assert.Equal("Edited", (await changed.ReadAsync<ChangeView>()).Title);
        Assert.Equal("\"2\"", changed.Headers.ETag?.Tag);
    }

    // RFC 9110 §13.1.2: If-None-Match compares weakly, so a weak tag or * of the current version means "not modified".
    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("*")]
    [InlineData("\"7\", W/\"1\"")]
    public async Task IfNoneMatchComparesWeaklyAndAnswers304(string ifNoneMatch)
    {
        var (rm, _, change) = await DraftAsync();

        var response = await rm.SendAsync(HttpMethod.Get, $"/api/changes/{change.Id}", null, ("If-None-Match", ifNoneMatch));

        Assert.Equal(304, (int)response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
    }

    // RFC 9110 §13.1.1: If-Match compares strongly, so a weak tag never matches, even of the current version.
    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("1")]
    [InlineData("\"1")]
    public async Task IfMatchComparesStronglyAndRefusesAWeakOrMalformedTagWith412(string ifMatch)
    {
        var (rm, input, change) = await DraftAsync();

        var response = await rm.SendAsync(HttpMethod.Put, $"/api/changes/{change.Id}", input with { Title = "Weakly matched" }, ("If-Match", ifMatch));

        var problem = await Expect.ProblemAsync(response, 412, "precondition-failed");
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal(change.Title, (await rm.GetChangeAsync(change.Id)).Title);
        Assert.Equal(ifMatch.StartsWith("W/", StringComparison.Ordinal), problem.GetProperty("detail").GetString()!.Contains("compares strongly"));
    }

    [Fact]
    public async Task AReleaseSendsItsETagAndAnswersAMatchingIfNoneMatchWith304()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var created = await rm.PostJsonAsync("/api/releases",
            new { title = "Tagged", kind = "out-of-band", plannedStart = app.Clock.GetUtcNow().AddDays(1) });
        var release = await created.ReadAsync<ChangeDesk.Releases.ReleaseView>(201);

        var unchanged = await rm.SendAsync(HttpMethod.Get, $"/api/releases/{release.Id}", null, ("If-None-Match", $"W/{release.ETag}"));
        var weakWrite = await rm.SendAsync(HttpMethod.Post, $"/api/releases/{release.Id}/start", new { }, ("If-Match", $"W/{release.ETag}"));

        Assert.Equal(release.ETag, created.Headers.ETag?.Tag);
        Assert.Equal(304, (int)unchanged.StatusCode);
        await Expect.ProblemAsync(weakWrite, 412, "precondition-failed");
    }
}
