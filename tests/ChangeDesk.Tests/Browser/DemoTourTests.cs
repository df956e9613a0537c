using ChangeDesk.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

/// <summary>The service started with demo data, as `--demo` does.</summary>
public sealed class DemoFixture : BrowserFixture
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Demo:Seed", "true");
    }
}

/// <summary>The README's tour, step by step, with the demo users.</summary>
public sealed class DemoTourTests(DemoFixture app) : IClassFixture<DemoFixture>
{
    async Task<IPage> SignInAsync(string email)
    {
        var context = await app.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1280, Height = 860 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/changes");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(new DemoOptions().Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/changes");
        return page;
    }

    [Fact]
    public async Task ReleaseManagerSeesEveryDemoChangeIncludingDrafts()
    {
        var page = await SignInAsync("release@northwind.example");
        var rows = page.Locator("table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(8);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Windows feature update (semi-annual release)" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Emergency: browser zero-day fix" })).ToBeVisibleAsync();
        await BrowserFixture.MaybeScreenshotAsync(page, "tour-changes.png");

        await page.GetByLabel("State").SelectOptionAsync("announced");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FabrikamAdminSeesOnlyWhatTargetsFabrikam()
    {
        var page = await SignInAsync("admin@fabrikam.example");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Retiring the legacy VPN client" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Payroll app 4.2 upgrade" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Windows feature update")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Message Center" }).ClickAsync();
        // Seven change posts, and the schedule, start and paused advisory of the release in progress.
        await Assertions.Expect(page.Locator("#messages tbody tr")).ToHaveCountAsync(10);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "security release: rollout paused" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Retiring the legacy VPN client" })).ToBeVisibleAsync();
        await BrowserFixture.MaybeScreenshotAsync(page, "tour-message-center.png");

        await page.GetByRole(AriaRole.Link, new() { Name = "Changes", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Simplified support ticket submission in the IT admin portal" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Approve by")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mark done: Approve the change" })).ToBeVisibleAsync();
        await BrowserFixture.MaybeScreenshotAsync(page, "tour-change.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FabrikamAdminKeepsItsApplicationCatalogAndTailspinSeesOnlyItsOwn()
    {
        var page = await SignInAsync("admin@fabrikam.example");
        await page.GetByRole(AriaRole.Link, new() { Name = "Applications" }).ClickAsync();
        var rows = page.Locator("#applications tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(6);
        var vpn = rows.Filter(new() { HasText = "GlobalProtect VPN" });
        await Assertions.Expect(vpn).ToContainTextAsync("business critical");
        await Assertions.Expect(vpn).ToContainTextAsync("remote access");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add application" })).ToBeVisibleAsync();
        await BrowserFixture.MaybeScreenshotAsync(page, "tour-applications.png");
        await page.Context.CloseAsync();

        var tailspin = await SignInAsync("admin@tailspin.example");
        await tailspin.GotoAsync("/applications");
        await Assertions.Expect(tailspin.Locator("#applications tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(tailspin.GetByText("GlobalProtect VPN")).ToHaveCountAsync(0);
        await tailspin.Context.CloseAsync();
    }

    [Fact]
    public async Task TailspinAdminDoesNotSeeFabrikamsChanges()
    {
        var page = await SignInAsync("admin@tailspin.example");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Monthly security update" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Retiring the legacy VPN client")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("Payroll app 4.2 upgrade")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
