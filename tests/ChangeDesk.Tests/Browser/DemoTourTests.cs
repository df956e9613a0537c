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
        await Assertions.Expect(rows).ToHaveCountAsync(7);
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
        await Assertions.Expect(page.Locator("#messages tbody tr")).ToHaveCountAsync(6);
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
    public async Task TailspinAdminDoesNotSeeFabrikamsChanges()
    {
        var page = await SignInAsync("admin@tailspin.example");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Monthly security update" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Retiring the legacy VPN client")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("Payroll app 4.2 upgrade")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
