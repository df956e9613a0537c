using System.Net.Http.Headers;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

public sealed class AuthenticationTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Theory]
    [InlineData("GET", "/api/me")]
    [InlineData("GET", "/api/changes")]
    [InlineData("POST", "/api/changes")]
    [InlineData("GET", "/api/changes/1")]
    [InlineData("PUT", "/api/changes/1")]
    [InlineData("POST", "/api/changes/1/announce")]
    [InlineData("POST", "/api/changes/1/mitigations")]
    [InlineData("GET", "/api/tenants")]
    [InlineData("POST", "/api/tenants")]
    [InlineData("GET", "/api/users")]
    [InlineData("POST", "/api/users")]
    [InlineData("GET", "/api/tokens")]
    [InlineData("GET", "/api/responsibility-matrix")]
    [InlineData("PUT", "/api/responsibility-matrix/cells/provide-new-functionality/managed-service")]
    [InlineData("PATCH", "/api/change-types/functionality")]
    [InlineData("GET", "/api/audit")]
    [InlineData("GET", "/api/audit/verify")]
    public async Task AnonymousRequestsGetA401ProblemAskingForABearerToken(string method, string url)
    {
        using var anonymous = app.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method != "GET")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        var response = await anonymous.SendAsync(request, TestContext.Current.CancellationToken);

        await Expect.ProblemAsync(response, 401, "unauthenticated");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task AnUnknownBearerTokenGetsA401Problem()
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "cdk_not-a-real-token");

        var response = await client.GetAsync("/api/changes", TestContext.Current.CancellationToken);

        await Expect.ProblemAsync(response, 401, "unauthenticated");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task ARevokedTokenStopsWorkingWhileTheUsersOtherTokensKeepWorking()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var created = await (await admin.PostJsonAsync("/api/tokens", new { name = "laptop" })).ReadAsync<CreatedToken>(201);
        Assert.StartsWith("cdk_", created.Secret);
        Assert.Equal(created.Secret[..10], created.Token.Prefix);
        using var laptop = app.CreateClient();
        laptop.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Secret);
        var me = await (await laptop.GetAsync("/api/me", TestContext.Current.CancellationToken)).ReadAsync<MeView>();
        Assert.Equal(admin.Id, me.Id);
        Assert.Equal(tenant.Id, me.TenantId);
        Assert.Equal(admin.Email, me.Email);

        var revoke = await admin.Client.DeleteAsync($"/api/tokens/{created.Token.Id}", TestContext.Current.CancellationToken);
        await Expect.StatusAsync(revoke, 204);

        await Expect.ProblemAsync(await laptop.GetAsync("/api/me", TestContext.Current.CancellationToken), 401, "unauthenticated");
        await Expect.ProblemAsync(await laptop.PostAsync("/api/tokens", null, TestContext.Current.CancellationToken), 401, "unauthenticated");
        await Expect.StatusAsync(await admin.Client.GetAsync("/api/me", TestContext.Current.CancellationToken), 200);
        var tokens = await admin.GetJsonAsync<List<TokenView>>("/api/tokens");
        Assert.NotNull(Assert.Single(tokens, t => t.Id == created.Token.Id).RevokedAt);
    }

    [Fact]
    public async Task TheTokenListShowsWhenATokenWasLastUsed()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var created = await (await admin.PostJsonAsync("/api/tokens", new { name = "script" })).ReadAsync<CreatedToken>(201);
        Assert.Null(created.Token.LastUsedAt);
        using var script = app.CreateClient();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Secret);
        var usedAt = app.Clock.GetUtcNow();

        await Expect.StatusAsync(await script.GetAsync("/api/me", TestContext.Current.CancellationToken), 200);

        // Written in the background, a few seconds after the use, as the time of the write on the service's clock.
        var token = await Poll.ForAsync(async () => Assert.Single(await admin.GetJsonAsync<List<TokenView>>("/api/tokens"), t => t.Id == created.Token.Id),
            t => t.LastUsedAt is not null, what: "the token's last use to be recorded");
        Assert.True(token.LastUsedAt >= usedAt);
    }

    [Fact]
    public async Task MeDescribesTheTokensUserRoleAndTenant()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var readerMe = await reader.GetJsonAsync<MeView>("/api/me");
        var rmMe = await rm.GetJsonAsync<MeView>("/api/me");

        Assert.Equal(("tenant-reader", "customer", (Guid?)tenant.Id), (readerMe.Role, readerMe.Party, readerMe.TenantId));
        Assert.Equal(("release-manager", "provider", (Guid?)null), (rmMe.Role, rmMe.Party, rmMe.TenantId));
        Assert.Equal(reader.Email, readerMe.Name);
    }
}
