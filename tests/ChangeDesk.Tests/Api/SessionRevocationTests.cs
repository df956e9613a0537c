using System.Net;
using System.Net.Http.Json;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// A sign-in cookie someone copied stops working once its owner signs out, gets a new password or is signed out
/// everywhere by an admin, instead of living on for its eight sliding hours.
/// </summary>
public sealed class SessionRevocationTests(ChangeDeskFactory factory) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACookieCopiedBeforeSignOutIsRefusedAfterIt()
    {
        var (_, admin) = await factory.CreateTenantWithAdminAsync();
        var browser = NewBrowser();
        var cookie = await SignInAsync(browser, admin);
        Assert.Equal(HttpStatusCode.OK, (await WithCookie(cookie).GetAsync("/api/me", Ct)).StatusCode);

        var signOut = await browser.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await CookieSession.FormTokenAsync(browser, "/changes"),
        }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(cookie).GetAsync("/api/me", Ct)).StatusCode);
        var pageWithOldCookie = await WithCookie(cookie).GetAsync("/changes", Ct);
        Assert.Equal(HttpStatusCode.Redirect, pageWithOldCookie.StatusCode);
        Assert.StartsWith("/login", pageWithOldCookie.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task ACookieIsRefusedAfterItsUsersPasswordIsSet()
    {
        var (_, admin) = await factory.CreateTenantWithAdminAsync();
        var cookie = await SignInAsync(NewBrowser(), admin);

        // The admin command `set-password` calls this.
        await factory.AsSystemAsync(async s =>
        {
            await s.GetRequiredService<Accounts>().SetPasswordAsync(admin.Email, "a-brand-new-password");
            return 0;
        });

        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(cookie).GetAsync("/api/me", Ct)).StatusCode);
        // The new password signs in again, with a cookie that works.
        var fresh = await SignInAsync(NewBrowser(), admin with { Password = "a-brand-new-password" });
        Assert.Equal(HttpStatusCode.OK, (await WithCookie(fresh).GetAsync("/api/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task ATenantAdminSignsOutAUserOfItsTenantEverywhereButNotAnotherTenantsUser()
    {
        var (tenant, admin) = await factory.CreateTenantWithAdminAsync();
        var reader = await factory.CreateUserAsync(Role.TenantReader, tenant.Id);
        var (_, stranger) = await factory.CreateTenantWithAdminAsync();
        var readerCookie = await SignInAsync(NewBrowser(), reader);
        var strangerCookie = await SignInAsync(NewBrowser(), stranger);

        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/users/{stranger.Id}/sign-out-everywhere"), 404);
        Assert.Equal(HttpStatusCode.OK, (await WithCookie(strangerCookie).GetAsync("/api/me", Ct)).StatusCode);

        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/users/{reader.Id}/sign-out-everywhere"), 204);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(readerCookie).GetAsync("/api/me", Ct)).StatusCode);
        // The user's API token is not a session: it lives until it is revoked.
        await Expect.StatusAsync(await reader.Client.GetAsync("/api/me", Ct), 200);
    }

    [Fact]
    public async Task AReaderCannotSignOutAnotherUserButAProviderAdminCanSignOutAnyone()
    {
        var (tenant, admin) = await factory.CreateTenantWithAdminAsync();
        var reader = await factory.CreateUserAsync(Role.TenantReader, tenant.Id);
        var providerAdmin = await factory.CreateUserAsync(Role.ProviderAdmin);
        var adminCookie = await SignInAsync(NewBrowser(), admin);

        await Expect.ProblemAsync(await reader.PostJsonAsync($"/api/users/{admin.Id}/sign-out-everywhere"), 403, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await WithCookie(adminCookie).GetAsync("/api/me", Ct)).StatusCode);

        await Expect.StatusAsync(await providerAdmin.PostJsonAsync($"/api/users/{admin.Id}/sign-out-everywhere"), 204);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(adminCookie).GetAsync("/api/me", Ct)).StatusCode);

        await factory.ChainAuditAsync();
        var audit = await providerAdmin.Client.GetStringAsync("/api/audit", Ct);
        Assert.Contains($"Sign {admin.Email} out everywhere", audit);
    }

    [Fact]
    public async Task ATenantAdminRevokesATokenOfItsTenantsUserButCannotSeeAnotherTenantsTokens()
    {
        var (tenant, admin) = await factory.CreateTenantWithAdminAsync();
        var reader = await factory.CreateUserAsync(Role.TenantReader, tenant.Id);
        var (_, stranger) = await factory.CreateTenantWithAdminAsync();

        var tokens = await admin.GetJsonAsync<List<TokenView>>($"/api/users/{reader.Id}/tokens");
        var token = Assert.Single(tokens);
        await Expect.StatusAsync(await admin.Client.DeleteAsync($"/api/users/{reader.Id}/tokens/{token.Id}", Ct), 204);
        await Expect.StatusAsync(await reader.Client.GetAsync("/api/me", Ct), 401);

        var strangersToken = (await stranger.GetJsonAsync<List<TokenView>>("/api/tokens")).Single();
        await Expect.StatusAsync(await admin.Client.GetAsync($"/api/users/{stranger.Id}/tokens", Ct), 404);
        await Expect.StatusAsync(await admin.Client.DeleteAsync($"/api/users/{stranger.Id}/tokens/{strangersToken.Id}", Ct), 404);
        await Expect.StatusAsync(await stranger.Client.GetAsync("/api/me", Ct), 200);
    }

    [Fact]
    public async Task AProviderAdminRevokesAnyonesTokenAndAReaderNoOnesButItsOwn()
    {
        var (tenant, admin) = await factory.CreateTenantWithAdminAsync();
        var reader = await factory.CreateUserAsync(Role.TenantReader, tenant.Id);
        var providerAdmin = await factory.CreateUserAsync(Role.ProviderAdmin);
        var adminsToken = (await admin.GetJsonAsync<List<TokenView>>("/api/tokens")).Single();

        await Expect.ProblemAsync(await reader.Client.DeleteAsync($"/api/users/{admin.Id}/tokens/{adminsToken.Id}", Ct), 403, "forbidden");
        await Expect.StatusAsync(await admin.Client.GetAsync("/api/me", Ct), 200);

        await Expect.StatusAsync(await providerAdmin.Client.DeleteAsync($"/api/users/{admin.Id}/tokens/{adminsToken.Id}", Ct), 204);
        await Expect.StatusAsync(await admin.Client.GetAsync("/api/me", Ct), 401);
        await factory.ChainAuditAsync();
        var audit = await providerAdmin.Client.GetStringAsync("/api/audit", Ct);
        Assert.Contains($"Revoke API token of {admin.Email}", audit);
    }

    [Fact]
    public async Task ADisabledUsersCookieAndTokenAreRefusedAndTheyCannotSignInUntilEnabled()
    {
        var (tenant, admin) = await factory.CreateTenantWithAdminAsync();
        var reader = await factory.CreateUserAsync(Role.TenantReader, tenant.Id);
        var cookie = await SignInAsync(NewBrowser(), reader);

        var disabled = await admin.PostJsonAsync($"/api/users/{reader.Id}/disable");
        await Expect.StatusAsync(disabled, 200);
        Assert.True((await disabled.Content.ReadFromJsonAsync<UserView>(ChangeDeskFactory.Json, Ct))!.IsDisabled);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie(cookie).GetAsync("/api/me", Ct)).StatusCode);
        await Expect.StatusAsync(await reader.Client.GetAsync("/api/me", Ct), 401);
        var form = await SignInForm.OpenAsync(NewBrowser());
        Assert.Equal(HttpStatusCode.OK, (await form.PostAsync(reader.Email, reader.Password)).StatusCode);

        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/users/{reader.Id}/enable"), 200);
        await Expect.StatusAsync(await reader.Client.GetAsync("/api/me", Ct), 200);
        var fresh = await SignInAsync(NewBrowser(), reader);
        Assert.Equal(HttpStatusCode.OK, (await WithCookie(fresh).GetAsync("/api/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task NobodyDisablesThemselfAndATenantAdminCannotDisableAnotherTenantsUser()
    {
        var (_, admin) = await factory.CreateTenantWithAdminAsync();
        var (_, stranger) = await factory.CreateTenantWithAdminAsync();

        await Expect.ProblemAsync(await admin.PostJsonAsync($"/api/users/{admin.Id}/disable"), 403, "forbidden");
        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/users/{stranger.Id}/disable"), 404);
        await Expect.StatusAsync(await stranger.Client.GetAsync("/api/me", Ct), 200);
    }

    HttpClient NewBrowser() =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in through the sign-in form and returns the session cookie, as someone copying it would.</summary>
    static async Task<string> SignInAsync(HttpClient browser, TestUser user)
    {
        var form = await SignInForm.OpenAsync(browser);
        var response = await form.PostAsync(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("changedesk=", StringComparison.Ordinal));
        return cookie[..cookie.IndexOf(';')];
    }

    HttpClient WithCookie(string cookie)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }
}
