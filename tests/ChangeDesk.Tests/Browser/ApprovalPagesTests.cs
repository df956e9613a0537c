using System.Text.RegularExpressions;
using ChangeDesk.Changes;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;

using static ChangeDesk.Tests.Approvals.ApprovalScenario;

namespace ChangeDesk.Tests.Browser;

public sealed partial class ApprovalPagesTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TenantAdminApprovesFromTheMessageAndTheReleaseManagerSeesTheChangeReady()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var now = app.Clock.GetUtcNow();
        var title = $"Kiosk mode rollout {Guid.NewGuid():n}"[..32];
        var change = await AnnounceAsync(release, "approve", now.AddDays(5), now.AddDays(7), title, tenant.Id);

        var page = await app.SignInAsync(admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Message Center" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/message-center/{change.MessageId}$"));
        var panel = page.Locator("#approvals-section");
        await Assertions.Expect(panel.GetByRole(AriaRole.Heading, new() { Name = "Approvals" })).ToBeVisibleAsync();
        var row = panel.Locator("#approval-board tbody tr").Filter(new() { HasText = tenant.Name });
        await Assertions.Expect(row).ToContainTextAsync("Pending");
        await Assertions.Expect(page.Locator("#provider-state")).ToHaveTextAsync("waiting on customers");

        await panel.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/message-center/{change.MessageId}$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Recorded: approved.");
        await Assertions.Expect(row).ToContainTextAsync("Approved");
        await Assertions.Expect(row).ToContainTextAsync($"by {admin.Email}");
        await page.Context.CloseAsync();

        var provider = await app.SignInAsync(release);
        await provider.GotoAsync($"/changes/{change.Id}");
        await Assertions.Expect(provider.Locator("#provider-state")).ToHaveTextAsync("ready");
        await Assertions.Expect(provider.Locator("#approval-board tbody tr").Filter(new() { HasText = tenant.Name })).ToContainTextAsync("Approved");
        await Assertions.Expect(provider.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await provider.Context.CloseAsync();
    }

    [Fact]
    public async Task DecliningWithoutAReasonIsRefusedOnThePage()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var now = app.Clock.GetUtcNow();
        var change = await AnnounceAsync(release, "approve", now.AddDays(5), now.AddDays(7), null, tenant.Id);

        var page = await app.SignInAsync(admin);
        await page.GotoAsync($"/changes/{change.Id}");
        var panel = page.Locator("#approvals-section");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await Assertions.Expect(page.Locator("#problem")).ToContainTextAsync("Say why you decline");
        await page.GetByRole(AriaRole.Link, new() { Name = "Back" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/changes/{change.Id}$"));

        await panel.GetByLabel("Reason").FillAsync("Clashes with our quarter close.");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Recorded: declined.");
        var row = panel.Locator("#approval-board tbody tr").Filter(new() { HasText = tenant.Name });
        await Assertions.Expect(row).ToContainTextAsync("Declined");
        await Assertions.Expect(row).ToContainTextAsync("Clashes with our quarter close.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheEmailLinkLeadsThroughSignInToTheAnswerPage()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var now = app.Clock.GetUtcNow();
        // Due within the reminder window, so the job's first pass emails the answer link.
        var title = $"Printer driver swap {Guid.NewGuid():n}"[..32];
        var change = await AnnounceAsync(release, "approve", now.AddDays(1), now.AddDays(2), title, tenant.Id);

        var pickup = app.Services.GetRequiredService<EmailOptions>().PickupDirectory;
        MimeMessage? reminder = null;
        await WaitUntilAsync(async () =>
            {
                reminder = await FindEmailAsync(pickup, admin.Email, WebhookEvents.ApprovalReminder);
                return reminder is not null;
            }, "the reminder email with the answer link",
            () =>
            {
                app.Clock.Advance(TimeSpan.FromSeconds(5)); // the job waits on the fake clock
                return Task.CompletedTask;
            });
        var link = AnswerLink().Match(reminder!.TextBody ?? "");
        Assert.True(link.Success, $"The reminder should carry an answer link: {reminder.TextBody}");
        Assert.Contains(link.Value, reminder.HtmlBody);
        var path = new Uri(link.Value).PathAndQuery;

        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseUrl });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=", RegexOptions.IgnoreCase));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to ChangeDesk" })).ToBeVisibleAsync();
        await page.GetByLabel("Email").FillAsync(admin.Email);
        await page.GetByLabel("Password").FillAsync(admin.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(app.BaseUrl.TrimEnd('/') + path);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"CHG-{change.Id} {title}" })).ToBeVisibleAsync();
        var panel = page.Locator("#approvals-section");
        await Assertions.Expect(panel.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeVisibleAsync();
        await panel.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(app.BaseUrl.TrimEnd('/') + path);
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Recorded: approved.");
        await Assertions.Expect(panel.Locator("#approval-board tbody tr").Filter(new() { HasText = tenant.Name })).ToContainTextAsync("Approved");
        // The confirmation was shown here, so it does not turn up again on the next page.
        await page.GetByRole(AriaRole.Link, new() { Name = "its Message Center post" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveCountAsync(0);

        // A link that was tampered with is refused, signed in or not.
        await page.GotoAsync(path[..^6] + (path.EndsWith("AAAAAA", StringComparison.Ordinal) ? "BBBBBB" : "AAAAAA"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link cannot be used" })).ToBeVisibleAsync();
        await context.CloseAsync();
    }

    static async Task<MimeMessage?> FindEmailAsync(string folder, string recipient, string eventType)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }
        foreach (var file in Directory.EnumerateFiles(folder, "*.eml"))
        {
            var message = await MimeMessage.LoadAsync(file, TestContext.Current.CancellationToken);
            if (message.Headers["X-ChangeDesk-Event"] == eventType && message.To.Mailboxes.Any(m => m.Address == recipient))
            {
                return message;
            }
        }
        return null;
    }

    [GeneratedRegex(@"https?://\S+/approvals/respond/[A-Za-z0-9_\-]+")]
    private static partial Regex AnswerLink();
}
