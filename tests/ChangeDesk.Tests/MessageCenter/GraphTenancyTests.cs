using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.MarkRead;
using Microsoft.Kiota.Abstractions.Authentication;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>Whose Message Center a Graph call reads: the caller's tenant, or the one a provider names; never another's.</summary>
public sealed class GraphTenancyTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    const string MessagesPath = "/graph/v1.0/admin/serviceAnnouncement/messages";

    [Fact]
    public async Task AMessageForTenantAIsInvisibleAndUntouchableForTenantB()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var onlyA = (await app.AnnounceAsync(rm, new ChangeSpec { Title = "Only for A" }, a.Id)).MessageId!;
        var both = (await app.AnnounceAsync(rm, new ChangeSpec { Title = "For A and B" }, a.Id, b.Id)).MessageId!;

        var graphA = app.Graph(adminA);
        var graphB = app.Graph(adminB);
        Assert.Equal([both, onlyA], (await graphA.Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct))!.Value!.Select(m => m.Id));
        Assert.Equal([both], (await graphB.Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct))!.Value!.Select(m => m.Id));
        Assert.Equal(2, await graphA.Admin.ServiceAnnouncement.Messages.Count.GetAsync(cancellationToken: Ct));
        Assert.Equal(1, await graphB.Admin.ServiceAnnouncement.Messages.Count.GetAsync(cancellationToken: Ct));
        // Naming the message does not help.
        Assert.Equal(0, await graphB.Admin.ServiceAnnouncement.Messages.Count.GetAsync(c => c.QueryParameters.Filter = $"id eq '{onlyA}'", Ct));
        Assert.Empty((await graphB.Admin.ServiceAnnouncement.Messages.GetAsync(c => c.QueryParameters.Filter = $"id eq '{onlyA}'", Ct))!.Value!);

        await GraphKit.ODataErrorAsync(() => graphB.Admin.ServiceAnnouncement.Messages[onlyA].GetAsync(cancellationToken: Ct), 404, "itemNotFound");
        await GraphKit.ODataErrorAsync(() => graphB.Admin.ServiceAnnouncement.Messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [onlyA] }, cancellationToken: Ct), 404, "itemNotFound");
        await GraphKit.ODataErrorAsync(() => graphB.Admin.ServiceAnnouncement.Messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [both, onlyA] }, cancellationToken: Ct), 404, "itemNotFound");
        Assert.False((await graphB.Admin.ServiceAnnouncement.Messages[both].GetAsync(cancellationToken: Ct))!.ViewPoint!.IsRead);

        // A customer's X-ChangeDesk-Tenant header is ignored: it always reads its own tenant.
        var spoofed = await graphB.Admin.ServiceAnnouncement.Messages.GetAsync(c => c.Tenant(a.Id), Ct);
        Assert.Equal([both], spoofed!.Value!.Select(m => m.Id));
        await GraphKit.ODataErrorAsync(() => graphB.Admin.ServiceAnnouncement.Messages[onlyA].GetAsync(c => c.Tenant(a.Id), Ct), 404, "itemNotFound");
    }

    [Fact]
    public async Task AProviderNamesTheTenantWithTheHeader()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var onlyA = (await app.AnnounceAsync(rm, new ChangeSpec { Title = "Only for A" }, a.Id)).MessageId!;
        var both = (await app.AnnounceAsync(rm, new ChangeSpec { Title = "For A and B" }, a.Id, b.Id)).MessageId!;

        var support = app.Graph(await app.CreateUserAsync(Role.SupportEngineer));
        var messages = support.Admin.ServiceAnnouncement.Messages;
        var missing = await GraphKit.ODataErrorAsync(() => messages.GetAsync(cancellationToken: Ct), 400, "invalidRequest");
        Assert.Contains(GraphKit.TenantHeader, missing.Error!.Message);
        await GraphKit.ODataErrorAsync(() => messages.Count.GetAsync(cancellationToken: Ct), 400, "invalidRequest");
        await GraphKit.ODataErrorAsync(() => messages[both].GetAsync(cancellationToken: Ct), 400, "invalidRequest");
        await GraphKit.ODataErrorAsync(() => messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [both] }, cancellationToken: Ct), 400, "invalidRequest");

        Assert.Equal([both, onlyA], (await messages.GetAsync(c => c.Tenant(a.Id), Ct))!.Value!.Select(m => m.Id));
        Assert.Equal([both], (await messages.GetAsync(c => c.Tenant(b.Id), Ct))!.Value!.Select(m => m.Id));
        Assert.Equal(2, await messages.Count.GetAsync(c => c.Tenant(a.Id), Ct));
        Assert.Equal("Only for A", (await messages[onlyA].GetAsync(c => c.Tenant(a.Id), Ct))!.Title);
        await GraphKit.ODataErrorAsync(() => messages[onlyA].GetAsync(c => c.Tenant(b.Id), Ct), 404, "itemNotFound");

        // The provider's own view state, kept apart from the tenant's users.
        Assert.True((await messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [onlyA] }, c => c.Tenant(a.Id), Ct))?.Value);
        Assert.True((await messages[onlyA].GetAsync(c => c.Tenant(a.Id), Ct))!.ViewPoint!.IsRead);
        await GraphKit.ODataErrorAsync(() => messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [onlyA] }, c => c.Tenant(b.Id), Ct), 404, "itemNotFound");

        var bad = await GraphKit.ODataErrorAsync(() => messages.GetAsync(c => c.Headers.Add(GraphKit.TenantHeader, "tenant-a"), Ct), 400, "invalidRequest");
        Assert.Contains("GUID", bad.Error!.Message);
        await GraphKit.ODataErrorAsync(() => messages.GetAsync(c => c.Tenant(Guid.NewGuid()), Ct), 404, "itemNotFound");
    }

    [Fact]
    public async Task RetargetingAnAnnouncedChangeMovesItsMessage()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var now = app.Clock.GetUtcNow();
        var spec = new ChangeSpec { Title = "Moves from A to B" };
        var change = await app.AnnounceAsync(rm, spec, a.Id);
        var id = change.MessageId!;
        var graphA = app.Graph(adminA);
        var graphB = app.Graph(adminB);
        Assert.Equal("Moves from A to B", (await graphA.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct))!.Title);
        await GraphKit.ODataErrorAsync(() => graphB.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct), 404, "itemNotFound");

        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", GraphKit.Input(spec, now, [b.Id])), 200);
        await GraphKit.ODataErrorAsync(() => graphA.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct), 404, "itemNotFound");
        Assert.Equal(0, await graphA.Admin.ServiceAnnouncement.Messages.Count.GetAsync(cancellationToken: Ct));
        Assert.Equal([id], (await graphB.Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct))!.Value!.Select(m => m.Id));
    }

    [Fact]
    public async Task WithoutAValidTokenTheAnswerIs401Unauthenticated()
    {
        using var plain = app.CreateClient();
        foreach (var path in new[] { MessagesPath, MessagesPath + "/$count", MessagesPath + "/MC100001" })
        {
            var response = await plain.GetAsync(path, Ct);
            await Expect.StatusAsync(response, 401);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            var error = body.GetProperty("error");
            Assert.Equal("unauthenticated", error.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("innerError").GetProperty("request-id").GetString()));
        }
        var post = await plain.PostAsJsonAsync(MessagesPath + "/markRead", new { messageIds = new[] { "MC100001" } }, Ct);
        await Expect.StatusAsync(post, 401);

        using var revoked = app.CreateClient();
        revoked.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "cdk_not_a_real_token");
        await Expect.StatusAsync(await revoked.GetAsync(MessagesPath, Ct), 401);

        // The SDK sees the same as an ODataError.
        var anonymous = app.Graph(new AnonymousAuthenticationProvider());
        await GraphKit.ODataErrorAsync(() => anonymous.Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct), 401, "unauthenticated");
        var wrong = app.Graph(new BaseBearerTokenAuthenticationProvider(new StaticTokenProvider("cdk_not_a_real_token")));
        await GraphKit.ODataErrorAsync(() => wrong.Admin.ServiceAnnouncement.Messages.Count.GetAsync(cancellationToken: Ct), 401, "unauthenticated");
    }
}
