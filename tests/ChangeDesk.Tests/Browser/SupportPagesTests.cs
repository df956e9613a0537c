using System.Globalization;
using System.Text.RegularExpressions;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.SupportRequests;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

public sealed class SupportPagesTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ATenantReportsAProblemFromAChangeAndAnEngineerAnswersFromTheQueue()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var change = await app.AnnouncedChangeAsync(tenant.Id);
        var title = $"Scanner app crashes {Guid.NewGuid():n}"[..28];

        var page = await app.SignInAsync(admin);
        await page.GotoAsync($"/changes/{change.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Report a problem" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/support/new\\?change={change.Id}$"));
        await Assertions.Expect(page.GetByLabel("Related change")).ToHaveValueAsync(change.Id.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByLabel("Email", new() { Exact = true })).ToHaveValueAsync(admin.Email);

        // Sent without a description first: refused, the field named, the rest kept.
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("A · critical").CheckAsync();
        await page.GetByLabel("Users affected").FillAsync("120");
        await page.GetByRole(AriaRole.Button, new() { Name = "File request" }).ClickAsync();
        await Assertions.Expect(page.Locator("#problem")).ToContainTextAsync("description");
        await Assertions.Expect(page.Locator(".field-error")).ToContainTextAsync(["Describe the problem"]);
        await BrowserFixture.MaybeScreenshotAsync(page, "support-new.png");
        await Assertions.Expect(page.GetByLabel("Title")).ToHaveValueAsync(title);

        await page.GetByLabel("Description").FillAsync("The scanner app closes as soon as a **barcode** is read.");
        await page.GetByRole(AriaRole.Button, new() { Name = "File request" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/support/SR-\d+$"));
        var number = new Uri(page.Url).Segments[^1];
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{number} filed");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"{number}: {title}" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("New");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = $"{change.Number} {change.Title}" })).ToBeVisibleAsync();
        await page.GetByLabel("Attach a file").SetInputFilesAsync(new FilePayload
        {
            Name = "scanner-error.png",
            MimeType = "image/png",
            Buffer = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Attach", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Attached scanner-error.png.");

        // Two hours later nobody has answered the critical request: the queue shows it overdue.
        app.Clock.Advance(TimeSpan.FromHours(2));
        var desk = await app.SignInAsync(engineer);
        await desk.GetByRole(AriaRole.Link, new() { Name = "Support", Exact = true }).ClickAsync();
        await Assertions.Expect(desk.GetByRole(AriaRole.Heading, new() { Name = "Support queue" })).ToBeVisibleAsync();
        var row = desk.Locator("#support-requests tbody tr").Filter(new() { HasText = title });
        await Assertions.Expect(row).ToHaveClassAsync(new Regex("breached"));
        await Assertions.Expect(row).ToContainTextAsync("Response overdue");
        await Assertions.Expect(row).ToContainTextAsync(tenant.Name);
        await Assertions.Expect(row).ToContainTextAsync("A · critical");
        await BrowserFixture.MaybeScreenshotAsync(desk, "support-queue.png");

        await row.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Assertions.Expect(desk.Locator("#attachment-list").GetByRole(AriaRole.Link, new() { Name = "scanner-error.png" })).ToBeVisibleAsync();
        await desk.GetByRole(AriaRole.Button, new() { Name = "Assign to me" }).ClickAsync();
        await Assertions.Expect(desk.Locator("#assignee")).ToHaveTextAsync(engineer.Email);
        await desk.GetByLabel("Comment").FillAsync("Vendor confirms a known issue; suspect the camera driver.");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Add internal note" }).ClickAsync();
        await Assertions.Expect(desk.GetByRole(AriaRole.Status)).ToHaveTextAsync("Internal note added.");
        await desk.GetByLabel("Comment").FillAsync("We reproduced it and are rolling back the **camera driver** on your devices.");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Start work" }).ClickAsync();
        await Assertions.Expect(desk.GetByRole(AriaRole.Status)).ToHaveTextAsync("Work started.");
        await Assertions.Expect(desk.Locator("#state")).ToHaveTextAsync("In progress");
        await Assertions.Expect(desk.Locator("#breach")).ToHaveTextAsync("First response was late");
        await Assertions.Expect(desk.Locator("ol.comments li")).ToHaveCountAsync(2);
        await Assertions.Expect(desk.Locator("ol.comments li.internal")).ToContainTextAsync("suspect the camera driver");
        await BrowserFixture.MaybeScreenshotAsync(desk, "support-request.png");
        await desk.Context.CloseAsync();

        // The tenant sees the answer and the new state, never the internal note.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("In progress");
        await Assertions.Expect(page.Locator("ol.comments li")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("ol.comments li strong").Filter(new() { HasText = "camera driver" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("suspect the camera driver")).ToHaveCountAsync(0);

        // The change links back to the requests about it.
        await page.GotoAsync($"/changes/{change.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "1 support request(s) about this change" }).ClickAsync();
        await Assertions.Expect(page.Locator("#support-requests tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#support-requests tbody tr")).ToContainTextAsync(title);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AMessageCenterPostOffersReportAProblemLinkedToItsChange()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var change = await app.AnnouncedChangeAsync(tenant.Id);

        var page = await app.SignInAsync(admin);
        await page.GotoAsync($"/message-center/{change.MessageId}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Report a problem" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/support/new\\?message={change.MessageId}$"));
        await Assertions.Expect(page.Locator("#reported-from")).ToContainTextAsync(change.MessageId!);
        await Assertions.Expect(page.GetByLabel("Related change")).ToHaveValueAsync(change.Id.ToString(CultureInfo.InvariantCulture));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AReleasePageOffersReportAProblemAndTheRequestCountsForThatRelease()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await Releases.ReleaseScenario.StartOutOfBandAsync(rm, tenant.Id);
        var title = $"Boot loops {Guid.NewGuid():n}"[..24];

        var page = await app.SignInAsync(admin);
        await page.GotoAsync($"/releases/{release.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Report a problem" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/support/new\\?release={release.Id}$"));
        await Assertions.Expect(page.GetByLabel("Related release")).ToHaveValueAsync(release.Id.ToString());
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Users affected").FillAsync("40");
        await page.GetByLabel("Description").FillAsync("Devices loop at boot after the fix.");
        await page.GetByRole(AriaRole.Button, new() { Name = "File request" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = release.Title })).ToBeVisibleAsync();

        var rollout = await Releases.ReleaseScenario.RolloutAsync(rm, release.Id);
        Assert.Equal(1, Assert.Single(rollout.Tenants).SupportRequests);
        await page.Context.CloseAsync();
    }
}
