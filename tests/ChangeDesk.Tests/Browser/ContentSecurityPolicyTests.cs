using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Releases;
using ChangeDesk.Tests.Support;
using ChangeDesk.Tests.SupportRequests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

/// <summary>
/// The pages work under their Content Security Policy: Chromium reports every refused script, style, image or frame
/// on the console ("… violates the following Content Security Policy directive …") and as a securitypolicyviolation
/// event, and visiting the main pages raises neither.
/// </summary>
public sealed class ContentSecurityPolicyTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    /// <summary>Collects what the browser says about the policy, from the page and its frames.</summary>
    static async Task<List<string>> WatchViolationsAsync(IPage page)
    {
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("securitypolicyviolation"))
            {
                lock (violations)
                {
                    violations.Add($"{page.Url}: {message.Text}");
                }
            }
        };
        await page.Context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
                console.error('securitypolicyviolation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber));
            """);
        return violations;
    }

    static async Task VisitAsync(IPage page, string url, ILocator shows)
    {
        var response = await page.GotoAsync(url);
        Assert.NotNull(response);
        Assert.Contains("default-src 'self'", await response.HeaderValueAsync("content-security-policy") ?? "");
        await Assertions.Expect(shows).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheMainPagesRaiseNoPolicyViolation()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var change = await app.AnnouncedChangeAsync(tenant.Id);
        var filed = await admin.FileAsync(changeId: change.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);

        var page = await app.SignInAsync(providerAdmin);
        var violations = await WatchViolationsAsync(page);
        await page.ReloadAsync(); // the watch is in place from this load on
        await Assertions.Expect(page.Locator("main#main")).ToBeVisibleAsync();

        await VisitAsync(page, "/changes", page.GetByRole(AriaRole.Link, new() { Name = change.Title }).First);
        await VisitAsync(page, $"/changes/{change.Id}", page.GetByRole(AriaRole.Heading, new() { Name = change.Title }).First);
        await VisitAsync(page, $"/message-center?tenantId={tenant.Id}", page.Locator("main#main"));
        await VisitAsync(page, $"/message-center/{change.MessageId}?tenantId={tenant.Id}", page.GetByRole(AriaRole.Heading, new() { Name = change.Title }).First);
        await VisitAsync(page, "/releases", page.GetByRole(AriaRole.Link, new() { Name = release.Title }).First);
        await VisitAsync(page, $"/releases/{release.Id}", page.Locator("#release-state"));
        await VisitAsync(page, "/support?change=" + change.Id, page.GetByRole(AriaRole.Link, new() { Name = filed.Title }).First);
        await VisitAsync(page, $"/support/{filed.Number}", page.GetByRole(AriaRole.Heading, new() { Name = filed.Title }).First);
        // The support filter's id fields keep their widths from the stylesheet (they were inline styles).
        Assert.Equal("112px", await page.GotoAsync("/support").ContinueWith(_ => page.Locator("#change").EvaluateAsync<string>("e => getComputedStyle(e).width")).Unwrap());

        // The outbox as a provider admin, with an email kept with its HTML body (as emails queued before shared contents
        // were) shown as sent in its sandboxed frame: the email's inline styles apply under the outbox's policy.
        var sent = app.Clock.GetUtcNow();
        var email = await app.AsSystemAsync(async s =>
        {
            var db = s.GetRequiredService<ChangeDeskDb>();
            var row = new OutboxMessage
            {
                Channel = Channels.Email,
                EventType = "change.announced",
                Recipient = admin.Email,
                TenantId = tenant.Id,
                Subject = $"Legacy email {Guid.NewGuid():n}",
                Body = "Plain text",
                DedupKey = $"csp-{Guid.NewGuid():n}",
                HtmlBody = "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1b1f24\"><h2 style=\"margin:0 0 .5rem\">Announced</h2><p>Body</p></body></html>",
                CreatedAt = sent,
                DueAt = sent,
                SentAt = sent,
            };
            db.Outbox.Add(row);
            await db.SaveChangesAsync();
            return row;
        });
        await VisitAsync(page, $"/admin/outbox?state=all&id={email.Id}", page.Locator("iframe.email-frame"));
        var frame = page.FrameLocator("iframe.email-frame");
        await Assertions.Expect(frame.GetByRole(AriaRole.Heading, new() { Name = "Announced" })).ToBeVisibleAsync();
        Assert.Contains("system-ui", await frame.Locator("body").EvaluateAsync<string>("b => getComputedStyle(b).fontFamily"));
        Assert.Equal("448px", await page.Locator("iframe.email-frame").EvaluateAsync<string>("f => getComputedStyle(f).height"));

        Assert.Empty(violations);
    }
}
