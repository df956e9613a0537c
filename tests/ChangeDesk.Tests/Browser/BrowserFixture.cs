using System.Net;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

/// <summary>
/// The service on a real loopback socket and Debian's Chromium driven by Playwright. Chromium must be installed
/// at /usr/bin/chromium (the test script installs it); without it these tests fail, they never skip.
/// </summary>
public class BrowserFixture : ChangeDeskFactory
{
    public const string ChromiumPath = "/usr/bin/chromium";

    IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ClientOptions.BaseAddress = new Uri(BaseUrl);
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}: run ./test.sh, which installs it, or `apt-get install -y chromium`.");
        }
        // A loaded CI machine can take seconds to render a page: wait long before calling an expectation failed.
        Assertions.SetDefaultExpectTimeout(20_000);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        playwright?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>A fresh browser context signed in through the login form.</summary>
    public async Task<IPage> SignInAsync(TestUser user)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("Email").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The redirect's commit, then the page's main landmark: waiting for the load event here timed out now and then on a
        // loaded machine although the page was there (the event can be missed across the sign-in redirect).
        await page.WaitForURLAsync("**/changes", new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator("main#main").WaitForAsync();
        return page;
    }

    /// <summary>Saves a screenshot when SCREENSHOT_DIR is set (used to refresh the README's picture).</summary>
    public static async Task MaybeScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("SCREENSHOT_DIR") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name), FullPage = false });
        }
    }
}
