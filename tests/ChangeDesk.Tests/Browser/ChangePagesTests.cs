using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

public sealed partial class ChangePagesTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    async Task<ChangeView> AnnouncedChangeAsync(TestUser author, string title, params Guid[] tenants)
    {
        var created = await author.PostJsonAsync("/api/changes", new
        {
            title,
            description = "Turn on the **new** setting.",
            type = "functionality",
            subtype = "feature-update",
            scope = "managed-service",
            targetTenantIds = tenants,
            services = new[] { "Windows" },
            plannedStart = app.Clock.GetUtcNow().AddDays(7),
        });
        await Expect.StatusAsync(created, 201);
        var change = (await created.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
        await Expect.StatusAsync(await author.PostJsonAsync($"/api/changes/{change.Id}/announce"), 200);
        return change;
    }

    [Fact]
    public async Task TenantAdminSeesTheMatrixAndOnlyTheirOwnChanges()
    {
        var (mine, admin) = await app.CreateTenantWithAdminAsync();
        var (other, _) = await app.CreateTenantWithAdminAsync();
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var visible = await AnnouncedChangeAsync(release, $"Visible {Guid.NewGuid():n}", mine.Id);
        var hidden = await AnnouncedChangeAsync(release, $"Hidden {Guid.NewGuid():n}", other.Id);

        var page = await app.SignInAsync(admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Responsibility matrix" }).ClickAsync();
        var matrix = page.Locator("#matrix");
        await Assertions.Expect(matrix.GetByRole(AriaRole.Columnheader, new() { Name = "Non-Microsoft and custom software" })).ToBeVisibleAsync();
        var securityRow = matrix.GetByRole(AriaRole.Row).Filter(new() { HasText = "Apply security updates" });
        await Assertions.Expect(securityRow.GetByRole(AriaRole.Cell)).ToHaveTextAsync(["Provider", "Provider", "Customer", "Customer"]);

        await page.GetByRole(AriaRole.Link, new() { Name = "Changes", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = visible.Title })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(hidden.Title)).ToHaveCountAsync(0);
        await BrowserFixture.MaybeScreenshotAsync(page, "changes.png");

        await page.GetByRole(AriaRole.Link, new() { Name = visible.Title }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = visible.Title })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("Announced");
        await Assertions.Expect(page.Locator(".markdown strong")).ToHaveTextAsync("new");
        var ownTask = page.GetByRole(AriaRole.Button, new() { Name = "Mark done: Read the Message Center post for this change" });
        await ownTask.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Task marked done");
        await Assertions.Expect(page.Locator("ul.checklist li.done")).ToContainTextAsync(["Read the Message Center post for this change"]);
        // The provider's own tasks are shown but cannot be completed by the customer.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mark done: Set expectations for the change" })).ToHaveCountAsync(0);
        await BrowserFixture.MaybeScreenshotAsync(page, "change-detail.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReleaseManagerSeesTheNoticeRefusalAndThenAnnounces()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var page = await app.SignInAsync(release);
        await page.GetByRole(AriaRole.Link, new() { Name = "New change" }).ClickAsync();

        var title = $"Printer settings move {Guid.NewGuid():n}";
        var now = app.Clock.GetUtcNow();
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Description").FillAsync("Printer settings move to the **new** console.");
        await page.GetByLabel("Change type").SelectOptionAsync("functionality");
        await page.GetByLabel("Subtype").SelectOptionAsync("feature-update");
        await page.GetByLabel("Scope").SelectOptionAsync("managed-service");
        await page.GetByLabel("All tenants").UncheckAsync();
        await page.GetByLabel(tenant.Name).CheckAsync();
        await page.GetByLabel("Planned start").FillAsync(now.AddDays(2).UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        await page.GetByLabel("Tenant admins must act").CheckAsync();
        await page.GetByLabel("What admins must do").FillAsync("Review printer defaults");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save and announce" }).ClickAsync();

        var problem = page.Locator("#problem");
        await Assertions.Expect(problem).ToContainTextAsync("Saved as a draft, but not announced");
        await Assertions.Expect(problem).ToContainTextAsync($"earliest allowed start is {now.AddDays(5):yyyy-MM-dd HH:mm} UTC");
        await Assertions.Expect(page.Locator("[data-valmsg-for='Form.PlannedStart']")).ToContainTextAsync("5 days' notice");
        await BrowserFixture.MaybeScreenshotAsync(page, "notice-refused.png");

        await page.GetByLabel("Planned start").FillAsync(now.AddDays(6).UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save and announce" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(ChangeUrl());
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("Announced");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = title })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("ol.timeline")).ToContainTextAsync("Announce change");
        await page.Context.CloseAsync();
    }

    [GeneratedRegex(@"/changes/\d+$")]
    private static partial Regex ChangeUrl();
}
