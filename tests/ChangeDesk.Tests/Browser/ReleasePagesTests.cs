using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Releases;
using ChangeDesk.Tests.Support;
using Microsoft.Playwright;

namespace ChangeDesk.Tests.Browser;

public sealed partial class ReleasePagesTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    static ILocator RingRow(IPage page, Guid tenant, string ring) => page.Locator($"#rings-{tenant:n} tr[data-ring='{ring}']");

    /// <summary>
    /// Moves the service clock in steps of a few hours, reloading the page after each as a person keeping it open
    /// would: the sign-in cookie slides on each request and would expire after eight idle hours.
    /// </summary>
    async Task WatchWhileTimePassesAsync(IPage page, TimeSpan span)
    {
        var step = TimeSpan.FromHours(3);
        for (var passed = TimeSpan.Zero; passed < span; passed += step)
        {
            app.Clock.Advance(step < span - passed ? step : span - passed);
            await page.ReloadAsync();
            await Assertions.Expect(page.Locator("#release-state")).ToBeVisibleAsync();
        }
    }

    [Fact]
    public async Task ReleaseManagerCreatesAReleaseWatchesRingsAdvanceAndSeesTheBreachPause()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var page = await app.SignInAsync(rm);

        await page.GetByRole(AriaRole.Link, new() { Name = "Releases", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New out-of-band release" }).ClickAsync();
        var title = $"Zero-day fix {Guid.NewGuid():n}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("All tenants").UncheckAsync();
        await page.GetByLabel(tenant.Name).CheckAsync();
        await page.GetByLabel("Mitigation already applied").FillAsync("Blocked the exploit at the proxy.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and start now" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(ReleaseUrl());
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("mitigation recorded, started");
        await Assertions.Expect(page.Locator("#release-state")).ToHaveTextAsync("In progress");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = tenant.Name })).ToBeVisibleAsync();
        var releaseId = Guid.Parse(ReleaseUrl().Match(page.Url).Groups[1].Value);

        // The rollout job starts the Test ring; the page shows it deploying and First awaiting its deferral.
        await app.SettleAsync(async () => (await rm.RolloutAsync(releaseId)).Ring(tenant.Id, "Test").State == RingState.Deploying, "the Test ring to start");
        await page.ReloadAsync();
        await Assertions.Expect(RingRow(page, tenant.Id, "Test")).ToContainTextAsync("Deploying");
        await Assertions.Expect(RingRow(page, tenant.Id, "First").Locator("td.gate")).ToContainTextAsync("Awaiting");
        await Assertions.Expect(RingRow(page, tenant.Id, "First").Locator("td.gate")).ToContainTextAsync("deferred 1 day");

        await Expect.StatusAsync(await rm.SignalsAsync(
            new { eventId = "test-1", releaseId, tenantId = tenant.Id, ring = "Test", devices = 20, installSuccesses = 20, installFailures = 0 }), 200);
        await WatchWhileTimePassesAsync(page, TimeSpan.FromDays(1));
        await app.SettleAsync(async () => (await rm.RolloutAsync(releaseId)).Ring(tenant.Id, "First").State == RingState.Deploying, "the First ring to start");
        await page.ReloadAsync();
        await Assertions.Expect(RingRow(page, tenant.Id, "Test")).ToContainTextAsync("Completed");
        await Assertions.Expect(RingRow(page, tenant.Id, "Test")).ToContainTextAsync("100 %");
        await Assertions.Expect(RingRow(page, tenant.Id, "First")).ToContainTextAsync("Deploying");
        var progress = page.Locator($"svg#progress-{tenant.Id:n}");
        await Assertions.Expect(progress).ToHaveAttributeAsync("role", "img");
        await Assertions.Expect(progress.Locator("desc")).ToContainTextAsync("Test: 100 %");

        // A batch that breaches the install failure threshold pauses the tenant; the page says who, why and when.
        await Expect.StatusAsync(await rm.SignalsAsync(
            new { eventId = "first-1", releaseId, tenantId = tenant.Id, ring = "First", devices = 100, installSuccesses = 30, installFailures = 10 },
            new { eventId = "first-2", releaseId, tenantId = tenant.Id, ring = "First", installSuccesses = 30, installFailures = 30 }), 200);
        await app.SettleAsync(async () => (await rm.RolloutAsync(releaseId)).Tenants.Single().IsPaused, "the breach to pause the tenant");
        await page.ReloadAsync();

        var section = page.Locator($"#rollout-{tenant.Id:n}");
        await Assertions.Expect(section.Locator(".tenant-paused")).ToBeVisibleAsync();
        var pause = section.Locator("ul.pauses li.active");
        await Assertions.Expect(pause).ToContainTextAsync("Paused by the provider");
        await Assertions.Expect(pause).ToContainTextAsync("Signal breach in ring First");
        await Assertions.Expect(pause).ToContainTextAsync("install failure rate 40 %");
        await Assertions.Expect(pause).ToContainTextAsync(ChangeDeskFactory.Start.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await Assertions.Expect(RingRow(page, tenant.Id, "First").Locator("td.gate")).ToContainTextAsync("Prevented");
        await Assertions.Expect(RingRow(page, tenant.Id, "Fast").Locator("td.gate")).ToContainTextAsync("Prevented");
        var failures = page.Locator($"svg#failures-{tenant.Id:n}");
        await Assertions.Expect(failures.Locator("line.threshold")).ToHaveCountAsync(1);
        await Assertions.Expect(failures.Locator("desc")).ToContainTextAsync("First: 40 %");
        await BrowserFixture.MaybeScreenshotAsync(page, "release-paused.png");

        // The provider lifts its own pause from the page.
        await section.GetByText("Resume…").ClickAsync();
        await section.GetByRole(AriaRole.Button, new() { Name = "Lift the provider's pause" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Pause lifted");
        await Assertions.Expect(page.Locator($"#rollout-{tenant.Id:n} ul.pauses li.lifted")).ToContainTextAsync("lifted by");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TenantAdminSeesOnlyItsOwnTenantsRolloutAndItsPauseHoldsAgainstTheProvider()
    {
        var (mine, admin) = await app.CreateTenantWithAdminAsync();
        var (other, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(mine.Id, other.Id);

        var page = await app.SignInAsync(admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Releases", Exact = true }).ClickAsync();
        await page.Locator("#releases").GetByRole(AriaRole.Link, new() { Name = release.Title }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = release.Title })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("section.tenant-rollout")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = mine.Name })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(other.Name)).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start the release now" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("Expedite")).ToHaveCountAsync(0);

        await page.GetByText($"Pause {mine.Name}…").ClickAsync();
        await page.GetByLabel($"Why pause {mine.Name}'s rollout?").FillAsync("Payroll run this week.");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Pause {mine.Name}", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Rollout paused");
        await Assertions.Expect(page.Locator("ul.pauses li.active")).ToContainTextAsync("Paused by the tenant");
        await Assertions.Expect(page.Locator("ul.pauses li.active")).ToContainTextAsync("Payroll run this week.");
        await page.Context.CloseAsync();

        // The provider sees the tenant's pause with its reason, and cannot lift it.
        var provider = await app.SignInAsync(rm);
        await provider.GotoAsync($"/releases/{release.Id}");
        var section = provider.Locator($"#rollout-{mine.Id:n}");
        await Assertions.Expect(section.Locator("ul.pauses li.active")).ToContainTextAsync("Paused by the tenant");
        await Assertions.Expect(section.Locator("ul.pauses li.active")).ToContainTextAsync(admin.Email);
        await Assertions.Expect(section.GetByText("Resume…")).ToHaveCountAsync(0);
        await Assertions.Expect(provider.Locator($"#rollout-{other.Id:n} .tenant-paused")).ToHaveCountAsync(0);
        await provider.Context.CloseAsync();
    }

    [Fact]
    public async Task TenantAdminEditsItsRingsAndBlackoutWindows()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var page = await app.SignInAsync(admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Rings", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Device rings of {tenant.Name}" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Ring 1 name")).ToHaveValueAsync("Test");
        await Assertions.Expect(page.GetByLabel("Ring 4 name")).ToHaveValueAsync("Broad");

        // Shares that do not add up are refused with the rule, beside the form.
        await page.GetByLabel("Ring 2 share").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rings" }).ClickAsync();
        await Assertions.Expect(page.Locator("#problem")).ToContainTextAsync("add up to 104 %");
        await Assertions.Expect(page.GetByLabel("Ring 2 share")).ToHaveValueAsync("5");

        await page.GetByLabel("Ring 2 share").FillAsync("10");
        await page.GetByLabel("Ring 4 share").FillAsync("81");
        await page.GetByLabel("Ring 1 devices").FillAsync("50");
        await page.GetByLabel("Ring 4 soak days").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rings" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Ring plan saved");
        var plan = await admin.GetJsonAsync<RingPlanView>($"/api/tenants/{tenant.Id}/rings");
        Assert.False(plan.IsDefault);
        Assert.Equal([50, null, null, null], plan.Rings.Select(r => r.Devices));
        Assert.Equal([null, 10d, 9d, 81d], plan.Rings.Select(r => r.SharePercent));
        Assert.Equal(2, plan.Rings[3].SoakDays);

        var start = app.Clock.GetUtcNow().AddDays(20);
        await page.GetByLabel("Title").FillAsync("Quarter-end close");
        await page.GetByLabel("Start").FillAsync(start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        await page.GetByLabel("End").FillAsync(start.AddDays(3).UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Add blackout window" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Blackout window “Quarter-end close” added");
        var row = page.Locator("#blackout-windows tbody tr").Filter(new() { HasText = "Quarter-end close" });
        await Assertions.Expect(row).ToContainTextAsync(tenant.Name);
        await Assertions.Expect(row).ToContainTextAsync(start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        // A tenant admin sets windows for its own tenant only: there is no service-wide choice.
        await Assertions.Expect(page.GetByText("Service-wide (every tenant)")).ToHaveCountAsync(0);

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete blackout window Quarter-end close" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Blackout window deleted");
        await Assertions.Expect(page.Locator("#blackout-windows")).Not.ToContainTextAsync("Quarter-end close");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReleaseManagerGeneratesTheCalendarAndSeesBlackoutConflicts()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        // April 2026's security release is on Tuesday the 14th at 10:00 UTC; the tenant freezes that week.
        var window = $"Audit week {Guid.NewGuid():n}"[..20];
        await Expect.StatusAsync(await admin.PostJsonAsync("/api/blackouts", new
        {
            tenantId = tenant.Id,
            title = window,
            start = new DateTimeOffset(2026, 4, 13, 0, 0, 0, TimeSpan.Zero),
            end = new DateTimeOffset(2026, 4, 17, 0, 0, 0, TimeSpan.Zero),
        }), 201);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var page = await app.SignInAsync(rm);
        await page.GetByRole(AriaRole.Link, new() { Name = "Releases", Exact = true }).ClickAsync();

        await page.GetByLabel("Year").FillAsync("2026");
        await page.GetByLabel("Month").SelectOptionAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate the calendar" }).ClickAsync();
        await Assertions.Expect(page.Locator("#generated")).ToContainTextAsync("2026-04-security");
        await Assertions.Expect(page.Locator("#generated")).ToContainTextAsync("2026-04-14 10:00 UTC");
        await Assertions.Expect(page.Locator("#generated")).ToContainTextAsync(new Regex("created|existing"));

        var row = page.Locator("#releases tbody tr").Filter(new() { HasText = "2026-04 security release" });
        await Assertions.Expect(row).ToContainTextAsync("Scheduled");
        await Assertions.Expect(row).ToContainTextAsync($"{tenant.Name}, ring Test");
        await Assertions.Expect(row).ToContainTextAsync(window);
        await Assertions.Expect(page.Locator("#calendar-months").GetByRole(AriaRole.Link, new() { Name = "2026-04 security release" })).ToBeVisibleAsync();

        await row.GetByRole(AriaRole.Link, new() { Name = "2026-04 security release" }).ClickAsync();
        // Test starts on the 14th and First a day later: both inside the window, which ends on the 17th.
        var conflicts = page.Locator("#blackout-conflicts tbody tr").Filter(new() { HasText = tenant.Name });
        await Assertions.Expect(conflicts).ToHaveCountAsync(2);
        await Assertions.Expect(conflicts.Nth(0)).ToContainTextAsync("Test");
        await Assertions.Expect(conflicts.Nth(1)).ToContainTextAsync("First");
        await Assertions.Expect(conflicts.Nth(1)).ToContainTextAsync("2026-04-15 10:00 UTC");
        await Assertions.Expect(conflicts.Nth(1)).ToContainTextAsync("2026-04-17 00:00 UTC");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start the release now" })).ToBeVisibleAsync();

        // Bundle a change into the release, and take it out again.
        var change = await rm.PostJsonAsync("/api/changes", new
        {
            title = $"Cumulative update {Guid.NewGuid():n}",
            description = "Security fixes.",
            type = "security",
            subtype = "security-update",
            scope = "managed-service",
            targetTenantIds = new[] { tenant.Id },
            plannedStart = new DateTimeOffset(2026, 4, 14, 10, 0, 0, TimeSpan.Zero),
        });
        await Expect.StatusAsync(change, 201);
        var changeId = (await change.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetInt32();
        await page.ReloadAsync();
        await page.GetByLabel("Bundle a change").SelectOptionAsync(changeId.ToString(CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Bundle", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"CHG-{changeId} bundled");
        await Assertions.Expect(page.Locator("#bundled-changes")).ToContainTextAsync($"CHG-{changeId}");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Take CHG-{changeId} out of the release" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"CHG-{changeId} taken out");
        await Assertions.Expect(page.Locator("#bundled-changes")).ToHaveCountAsync(0);

        // Tighter thresholds for this release.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await page.GetByLabel("Install failure rate above (%)").FillAsync("2.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("saved");
        await Assertions.Expect(page.Locator("section[aria-labelledby='thresholds']")).ToContainTextAsync("above 2.5 % pauses");
        await Assertions.Expect(page.Locator("section[aria-labelledby='thresholds']")).ToContainTextAsync("Set for this release");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnOutOfBandReleaseStartsOnlyOnceItsMitigationIsRecorded()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var page = await app.SignInAsync(rm);
        await page.GotoAsync("/releases/new?kind=out-of-band");
        await page.GetByLabel("Title").FillAsync($"Browser zero-day {Guid.NewGuid():n}");
        await page.GetByLabel("All tenants").UncheckAsync();
        await page.GetByLabel(tenant.Name).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and start now" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(ReleaseUrl());
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("created.");
        await Assertions.Expect(page.Locator("#problem")).ToContainTextAsync("Not done");
        await Assertions.Expect(page.Locator("#problem")).ToContainTextAsync("record the mitigation you applied");
        await Assertions.Expect(page.Locator("#release-state")).ToHaveTextAsync("Scheduled");

        await page.GetByLabel("Mitigation that has been applied").FillAsync("Disabled the vulnerable extension by policy.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record mitigation" }).ClickAsync();
        await Assertions.Expect(page.Locator("#mitigation")).ToContainTextAsync("Disabled the vulnerable extension by policy.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start the release now" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Release started");
        await Assertions.Expect(page.Locator("#release-state")).ToHaveTextAsync("In progress");
        await page.Context.CloseAsync();
    }

    [GeneratedRegex(@"/releases/([0-9a-f-]{36})$")]
    private static partial Regex ReleaseUrl();
}
