using ChangeDesk.Data;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

/// <summary>The README's release tour on the demo: the month's security release a week into its rollout across three tenants.</summary>
public sealed class ReleaseTourTests(DemoFixture app) : IClassFixture<DemoFixture>
{
    static readonly string ReleaseTitle = $"{Support.ChangeDeskFactory.Start.AddDays(-7).AddHours(-2):yyyy-MM} security release";

    async Task<IPage> SignInAsync(string email)
    {
        var context = await app.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl, ViewportSize = new() { Width = 1280, Height = 860 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(new DemoOptions().Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Waits for the redirect only: on a loaded machine the next page's load event can take long, and every step
        // after this waits for what it needs.
        await page.WaitForURLAsync("**/changes", new() { WaitUntil = WaitUntilState.Commit });
        return page;
    }

    [Fact]
    public async Task ReleaseManagerSeesTheMonthlyReleaseRollingOutWithFabrikamPausedByItsSignals()
    {
        var page = await SignInAsync("release@northwind.example");
        await page.GetByRole(AriaRole.Link, new() { Name = "Releases", Exact = true }).ClickAsync();
        var row = page.Locator("#releases tbody tr").Filter(new() { HasText = ReleaseTitle });
        await Assertions.Expect(row).ToContainTextAsync("In progress");
        await Assertions.Expect(row).ToContainTextAsync("Woodgrove Bank, ring Everyone");
        await row.GetByRole(AriaRole.Link, new() { Name = ReleaseTitle }).ClickAsync();

        await Assertions.Expect(page.Locator("section.tenant-rollout h3")).ToHaveTextAsync(["Fabrikam", "Tailspin Toys", "Woodgrove Bank"]);
        var fabrikam = page.Locator("section.tenant-rollout").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Fabrikam" }) });
        await Assertions.Expect(fabrikam.Locator(".tenant-paused")).ToBeVisibleAsync();
        await Assertions.Expect(fabrikam.Locator("ul.pauses li.active")).ToContainTextAsync("Signal breach in ring First");
        await Assertions.Expect(fabrikam.Locator("tr[data-ring='First'] td.gate")).ToContainTextAsync("Prevented");
        await Assertions.Expect(fabrikam.Locator("svg.chart")).ToHaveCountAsync(2);
        var tailspin = page.Locator("section.tenant-rollout").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Tailspin Toys" }) });
        await Assertions.Expect(tailspin.Locator(".tenant-paused")).ToHaveCountAsync(0);
        await Assertions.Expect(tailspin.Locator("tr[data-ring='Fast']")).ToContainTextAsync("Deploying");
        var woodgrove = page.Locator("section.tenant-rollout").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Woodgrove Bank" }) });
        await Assertions.Expect(woodgrove.Locator("td.gate").Filter(new() { HasText = "Month-end close" })).Not.ToHaveCountAsync(0);

        await fabrikam.Locator("h3").EvaluateAsync("h => { h.scrollIntoView(); window.scrollBy(0, -16); }");
        await BrowserFixture.MaybeScreenshotAsync(page, "tour-rollout.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FabrikamAdminSeesOnlyFabrikamsRollout()
    {
        var page = await SignInAsync("admin@fabrikam.example");
        await page.GetByRole(AriaRole.Link, new() { Name = "Releases", Exact = true }).ClickAsync();
        await page.Locator("#releases").GetByRole(AriaRole.Link, new() { Name = ReleaseTitle }).ClickAsync();
        await Assertions.Expect(page.Locator("section.tenant-rollout h3")).ToHaveTextAsync(["Fabrikam"]);
        await Assertions.Expect(page.GetByText("Tailspin Toys")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("Woodgrove Bank")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("ul.pauses li.active")).ToContainTextAsync("Paused by the provider");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("reader@fabrikam.example")]
    [InlineData("support@northwind.example")]
    public async Task ReadOnlyRolesSeeReleasesAndRingsWithoutActions(string email)
    {
        var page = await SignInAsync(email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Releases", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "New release" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Generate the calendar" })).ToHaveCountAsync(0);
        await page.Locator("#releases").GetByRole(AriaRole.Link, new() { Name = ReleaseTitle }).ClickAsync();
        await Assertions.Expect(page.Locator("section.tenant-rollout").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main form")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("main details.act")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Rings", Exact = true }).ClickAsync();
        if (email.StartsWith("reader", StringComparison.Ordinal))
        {
            await Assertions.Expect(page.GetByLabel("Ring 1 name")).ToBeDisabledAsync();
        }
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save rings" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add blackout window" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#blackout-windows")).ToContainTextAsync("Year-end change freeze");
        await page.Context.CloseAsync();
    }
}
