using System.Net.Http.Json;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

public sealed class MessageCenterPagesTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    async Task<ChangeView> AnnounceAsync(TestUser author, string title, string service, Guid tenant)
    {
        var created = await author.PostJsonAsync("/api/changes", new
        {
            title,
            description = $"About **{service}**.",
            type = "functionality",
            subtype = "new-feature",
            scope = "managed-service",
            targetTenantIds = new[] { tenant },
            services = new[] { service },
            plannedStart = app.Clock.GetUtcNow().AddDays(8),
        });
        await Expect.StatusAsync(created, 201);
        var change = (await created.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
        await Expect.StatusAsync(await author.PostJsonAsync($"/api/changes/{change.Id}/announce"), 200);
        return change;
    }

    [Fact]
    public async Task TenantAdminFiltersOpensFavoritesAndExportsMessages()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var suffix = Guid.NewGuid().ToString("n")[..8];
        var teams = $"Teams {suffix}";
        var edge = $"Edge {suffix}";
        await AnnounceAsync(release, $"Meeting recap {suffix}", teams, tenant.Id);
        await AnnounceAsync(release, $"Sidebar removal {suffix}", edge, tenant.Id);

        var page = await app.SignInAsync(admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Message Center" }).ClickAsync();
        var rows = page.Locator("#messages tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        await page.GetByLabel("Service").SelectOptionAsync(teams);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync($"Meeting recap {suffix}");
        await Assertions.Expect(rows.First).ToContainTextAsync("Unread");

        await page.GetByRole(AriaRole.Link, new() { Name = $"Meeting recap {suffix}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Meeting recap {suffix}" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#message-body strong")).ToHaveTextAsync(teams);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to favorites" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Added to favorites.");
        await Assertions.Expect(page.Locator("#favorite-badge")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Message Center" }).First.ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Favorites" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync($"Meeting recap {suffix}");
        await Assertions.Expect(rows.First).Not.ToContainTextAsync("Unread");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Id,Title,Category", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains($"Meeting recap {suffix}", lines[1]);
        Assert.DoesNotContain($"Sidebar removal {suffix}", csv);
        await page.Context.CloseAsync();
    }
}
