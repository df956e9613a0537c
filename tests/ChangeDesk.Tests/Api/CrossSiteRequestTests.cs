using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChangeDesk.Changes;
using ChangeDesk.MessageCenter;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using ChangeDesk.Tests.SupportRequests;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// The sign-in cookie cannot be used by another site: the API takes writes by bearer token only, and a page's form
/// post by cookie is refused when the browser says it came from another site or origin.
/// </summary>
public sealed class CrossSiteRequestTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task BearerRequiredAsync(HttpResponseMessage response)
    {
        var problem = await Expect.ProblemAsync(response, 401, "bearer-token-required");
        Assert.Equal("https://changedesk.dev/problems/bearer-token-required", problem.GetProperty("type").GetString());
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString());
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    async Task<ChangeView> AnnouncedTenantChangeAsync(TestUser admin) =>
        await admin.ActAsync((await admin.CreateChangeAsync(ApiSteps.TenantChange(app.Clock.GetUtcNow().AddDays(30)))).Id, "announce");

    [Fact]
    public async Task AFormPostToCancelAChangeWithTheSignInCookieIsRefusedAndTheChangeStaysAnnounced()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var change = await AnnouncedTenantChangeAsync(admin);
        using var browser = await app.SignInWithCookieAsync(admin);

        // What a form on another site (or a same-site subdomain) can send: form-encoded, with the cookie, no Origin needed.
        var forged = await browser.PostAsync($"/api/changes/{change.Id}/cancel",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["reason"] = "forged" }), Ct);

        await BearerRequiredAsync(forged);
        Assert.Equal(ChangeState.Announced, (await admin.GetChangeAsync(change.Id)).State);
        // The same call with the bearer token works.
        Assert.Equal(ChangeState.Cancelled, (await admin.ActAsync(change.Id, "cancel")).State);
    }

    [Fact]
    public async Task AJsonWriteWithTheSignInCookieIsRefusedToo()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        using var browser = await app.SignInWithCookieAsync(admin);

        var response = await browser.PostAsJsonAsync("/api/tokens", new { name = "stolen" }, ChangeDeskFactory.Json, Ct);

        await BearerRequiredAsync(response);
        Assert.DoesNotContain(await admin.GetJsonAsync<List<TokenView>>("/api/tokens"), t => t.Name == "stolen");
    }

    [Fact]
    public async Task AMultipartAttachmentUploadWithTheSignInCookieIsRefusedAndTheSameUploadByBearerWorks()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var filed = await admin.FileAsync();
        using var browser = await app.SignInWithCookieAsync(admin);
        MultipartFormDataContent Upload()
        {
            var file = new ByteArrayContent("09:00:01 ERROR spooler\n"u8.ToArray());
            file.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain");
            return new MultipartFormDataContent { { file, "file", "driver.log" } };
        }

        await BearerRequiredAsync(await browser.PostAsync($"/api/support-requests/{filed.Number}/attachments", Upload(), Ct));
        Assert.Empty((await admin.RequestAsync(filed.Number)).Attachments);

        var attached = await (await admin.Client.PostAsync($"/api/support-requests/{filed.Number}/attachments", Upload(), Ct)).ReadAsync<SupportRequestView>(201);
        Assert.Equal("driver.log", Assert.Single(attached.Attachments).FileName);
    }

    [Fact]
    public async Task AMessageCenterArchiveWithTheSignInCookieIsRefusedWhileCookieExportsKeepWorking()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var change = await app.AnnouncedChangeAsync(tenant.Id);
        var messageId = change.MessageId!;
        using var browser = await app.SignInWithCookieAsync(admin);

        await BearerRequiredAsync(await browser.PostAsync($"/api/message-center/messages/{messageId}/archive", null, Ct));
        Assert.False((await admin.GetJsonAsync<MessageDetailView>($"/api/message-center/messages/{messageId}")).Message.ViewPoint.IsArchived);
        // Reading by cookie is what the pages' export links do, and stays allowed.
        var export = await browser.GetAsync("/api/message-center/messages/export.csv?view=all", Ct);
        await Expect.StatusAsync(export, 200);
        Assert.Contains(change.Title, await export.Content.ReadAsStringAsync(Ct));

        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/message-center/messages/{messageId}/archive"), 204);
        Assert.True((await admin.GetJsonAsync<MessageDetailView>($"/api/message-center/messages/{messageId}")).Message.ViewPoint.IsArchived);
    }

    [Fact]
    public async Task AGraphWriteWithTheSignInCookieIsRefused()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var change = await app.AnnouncedChangeAsync(tenant.Id);
        using var browser = await app.SignInWithCookieAsync(admin);

        var response = await browser.PostAsJsonAsync($"{GraphApi.Root}/admin/serviceAnnouncement/messages/archive",
            new { messageIds = new[] { change.MessageId } }, Ct);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Contains("Authorization: Bearer", await response.Content.ReadAsStringAsync(Ct));
        Assert.False((await admin.GetJsonAsync<MessageDetailView>($"/api/message-center/messages/{change.MessageId}")).Message.ViewPoint.IsArchived);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "http://localhost:8080")]
    [InlineData("Origin", "null")]
    public async Task APageFormPostFromAnotherSiteOrOriginIsRefusedAndTheSessionStays(string header, string value)
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        using var browser = await app.SignInWithCookieAsync(admin);
        var token = await CookieSession.FormTokenAsync(browser, "/changes");

        var request = new HttpRequestMessage(HttpMethod.Post, "/logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        };
        request.Headers.TryAddWithoutValidation(header, value);
        var response = await browser.SendAsync(request, Ct);

        await Expect.StatusAsync(response, 403);
        Assert.Contains("another", await response.Content.ReadAsStringAsync(Ct));
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("changedesk=", StringComparison.Ordinal)),
            "a refused sign-out must not touch the sign-in cookie");
        await Expect.StatusAsync(await browser.GetAsync("/changes", Ct), 200);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("Sec-Fetch-Site", "same-origin")]
    [InlineData("Origin", "http://localhost")]
    public async Task TheSamePageFormPostFromTheServicesOwnPagesWorks(string? header, string? value)
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        using var browser = await app.SignInWithCookieAsync(admin);
        var token = await CookieSession.FormTokenAsync(browser, "/changes");

        var request = new HttpRequestMessage(HttpMethod.Post, "/logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
        };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }
        var response = await browser.SendAsync(request, Ct);

        await Expect.StatusAsync(response, 302);
        var after = await browser.GetAsync("/changes", Ct);
        await Expect.StatusAsync(after, 302);
        Assert.Equal("/login", after.Headers.Location?.AbsolutePath);
    }
}
