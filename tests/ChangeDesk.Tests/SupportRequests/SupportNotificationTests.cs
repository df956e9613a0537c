using System.Net.Http.Json;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Webhooks;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Notifications;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.SupportRequests;

/// <summary>Support email over real SMTP and support webhook events to a real endpoint.</summary>
public sealed class SupportNotificationTests(SmtpFixture app) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task SupportEngineersAreMailedAboutANewSeverityARequestButNotAboutSeverityC()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var engineers = new[] { await app.CreateUserAsync(Role.SupportEngineer), await app.CreateUserAsync(Role.SupportEngineer) };
        var releaseManager = await app.CreateUserAsync(Role.ReleaseManager);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var change = await app.AnnouncedChangeAsync(tenant.Id);

        var critical = await admin.FileAsync(SupportSteps.Body("a", change.Id, title: "Nobody can sign in to Windows"));

        var mails = await Poll.ForAsync(() => Task.FromResult(app.Sink.AcceptedFor(engineers.Select(e => e.Email))
                .Where(m => m.Message.Subject!.Contains(critical.Number)).ToList()),
            m => m.Count == 2, what: "the new-request email to both support engineers");
        foreach (var mail in mails)
        {
            Assert.Equal($"[ChangeDesk] New severity A request {critical.Number} from {tenant.Name}: Nobody can sign in to Windows", mail.Message.Subject);
            Assert.Equal(WebhookEvents.SupportRequestCreated, mail.Message.Headers["X-ChangeDesk-Event"]);
            Assert.Contains("Affected users: 25", mail.Message.TextBody);
            Assert.Contains($"Change: {change.Number} {change.Title}", mail.Message.TextBody);
            Assert.Contains($"First response due: {critical.FirstResponseDueAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC", mail.Message.TextBody);
            Assert.Contains($"/support/{critical.Number}", mail.Message.TextBody);
            Assert.Contains("<strong>fail</strong>", mail.Message.HtmlBody);
        }

        // Severity C waits in the queue without mail; nobody but the support engineers is mailed about new requests.
        var normal = await admin.FileAsync("c");
        var rows = await providerAdmin.OutboxAsync([.. engineers.Select(e => e.Email), releaseManager.Email, providerAdmin.Email, admin.Email]);
        Assert.DoesNotContain(rows, r => r.Subject!.Contains(normal.Number));
        Assert.Equal(engineers.Select(e => e.Email).Order(), rows.Where(r => r.Subject!.Contains(critical.Number)).Select(r => r.Recipient).Order());
    }

    [Fact]
    public async Task TheRequesterIsMailedTheProvidersCommentsAndStateChangesButNeverAnInternalNote()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var helpdesk = $"helpdesk-{Guid.NewGuid():n}@example.test";
        var filed = await admin.FileAsync(new
        {
            title = "Teams crashes on start",
            description = "Since Monday.",
            severity = "b",
            affectedUsers = 30,
            contactName = "Help desk",
            contactEmail = helpdesk,
        });
        Assert.Equal(new SupportContact("Help desk", helpdesk, null), filed.Contact);
        var note = $"Known issue in build 1234 {Guid.NewGuid():n}";

        await engineer.CommentAsync(filed.Number, "Please clear the **Teams cache** and tell us if it helps.");
        await engineer.CommentAsync(filed.Number, note, isInternal: true);
        await engineer.ActAsync(filed.Number, "start");

        var comment = await Poll.ForAsync(() => Task.FromResult(app.Sink.AcceptedFor([helpdesk, admin.Email])
                .Where(m => m.Message.Subject == $"[ChangeDesk] {filed.Number} New comment from {engineer.Email}: Teams crashes on start").ToList()),
            m => m.Count == 2, what: "the comment email to the contact and to the admin who filed");
        Assert.All(comment, m =>
        {
            Assert.Equal(WebhookEvents.SupportRequestUpdated, m.Message.Headers["X-ChangeDesk-Event"]);
            Assert.Contains("Please clear the **Teams cache** and tell us if it helps.", m.Message.TextBody);
            Assert.Contains("<strong>Teams cache</strong>", m.Message.HtmlBody);
        });
        var started = await Poll.ForAsync(() => Task.FromResult(app.Sink.AcceptedFor([helpdesk, admin.Email])
                .Where(m => m.Message.Subject == $"[ChangeDesk] {filed.Number} Work has started: Teams crashes on start").ToList()),
            m => m.Count == 2, what: "the state change email");
        Assert.All(started, m => Assert.Contains("State: In progress", m.Message.TextBody));

        // The note was saved between the two: no row of the outbox, email or webhook, carries it.
        var everything = await app.OutboxRowsAsync([helpdesk, admin.Email, engineer.Email]);
        (string, string)[] expected =
        [
            (engineer.Email, WebhookEvents.SupportRequestCreated),
            (admin.Email, WebhookEvents.SupportRequestUpdated), (admin.Email, WebhookEvents.SupportRequestUpdated),
            (helpdesk, WebhookEvents.SupportRequestUpdated), (helpdesk, WebhookEvents.SupportRequestUpdated),
        ];
        Assert.Equal(expected.Order(), everything.Select(r => (r.Recipient, r.EventType)).Order());
        Assert.DoesNotContain(everything, r => r.Body.Contains(note) || (r.HtmlBody ?? "").Contains(note));
        Assert.DoesNotContain(app.Sink.All, m => (m.Message.TextBody ?? "").Contains(note));

        // The customer's answer goes to the engineer the request is assigned to.
        await engineer.AssignAsync(filed.Number, engineer.Id);
        await engineer.ActAsync(filed.Number, "wait-on-customer", "Did clearing the cache help?");
        await admin.CommentAsync(filed.Number, "No, still crashing.");
        var answer = await Poll.ForAsync(() => Task.FromResult(app.Sink.AcceptedFor([engineer.Email])
                .Where(m => m.Message.Subject == $"[ChangeDesk] {filed.Number} {tenant.Name} commented: Teams crashes on start").ToList()),
            m => m.Count == 1, what: "the customer's answer to the assignee");
        Assert.Contains("the request is back in progress", answer[0].Message.TextBody);
        Assert.Contains("No, still crashing.", answer[0].Message.TextBody);
    }

    [Fact]
    public async Task WebhooksReceiveSupportRequestEventsButNoInternalNotes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var (_, otherAdmin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var provider = await RegisterAsync(providerAdmin, receiver.Url("/provider"), WebhookEvents.SupportRequestCreated, WebhookEvents.SupportRequestUpdated);
        var own = await RegisterAsync(admin, receiver.Url("/tenant"));
        var other = await RegisterAsync(otherAdmin, receiver.Url("/other"));
        try
        {
            var filed = await admin.FileAsync("a");
            await engineer.CommentAsync(filed.Number, "Internal: escalate to the platform team.", isInternal: true);
            await engineer.CommentAsync(filed.Number, "We are on it.");
            await engineer.ActAsync(filed.Number, "start");

            var endpoints = new[] { provider.Endpoint.Id.ToString(), own.Endpoint.Id.ToString(), other.Endpoint.Id.ToString() };
            await Poll.UntilAsync(() => Of(receiver.At("/tenant"), filed.Number).Count == 3 && Of(receiver.At("/provider"), filed.Number).Count == 3,
                what: "three support events at the tenant's and the provider's endpoints");
            await Poll.UntilAsync(async () => (await providerAdmin.OutboxAsync(endpoints, "pending", Channels.Webhook)).Count == 0, what: "no webhook left to send");

            foreach (var path in new[] { "/tenant", "/provider" })
            {
                var events = Of(receiver.At(path), filed.Number);
                Assert.Equal(
                    [(WebhookEvents.SupportRequestCreated, "created"), (WebhookEvents.SupportRequestUpdated, "commented"), (WebhookEvents.SupportRequestUpdated, "start")],
                    events.Select(e => (e.Type, e.Json.GetProperty("data").GetProperty("action").GetString())).OrderBy(e => e.Item2 == "created" ? 0 : e.Item2 == "commented" ? 1 : 2));
                Assert.All(events, e =>
                {
                    Assert.Equal(tenant.Id, e.Json.GetProperty("data").GetProperty("tenantId").GetGuid());
                    Assert.Equal("a", e.Json.GetProperty("data").GetProperty("severity").GetString());
                    Assert.DoesNotContain("escalate to the platform team", e.Body);
                });
                var commented = events.Single(e => e.Json.GetProperty("data").GetProperty("action").GetString() == "commented");
                Assert.Equal("We are on it.", commented.Json.GetProperty("data").GetProperty("comment").GetProperty("body").GetString());
            }
            Assert.Empty(Of(receiver.At("/other"), filed.Number));
        }
        finally
        {
            foreach (var (hook, owner) in new[] { (provider, providerAdmin), (own, admin), (other, otherAdmin) })
            {
                await owner.Client.DeleteAsync($"/api/webhooks/{hook.Endpoint.Id}", TestContext.Current.CancellationToken);
            }
        }
    }

    static List<ReceivedHook> Of(IEnumerable<ReceivedHook> hooks, string number) =>
        hooks.Where(h => h.Json.GetProperty("data").TryGetProperty("number", out var n) && n.GetString() == number).ToList();

    static async Task<CreatedWebhook> RegisterAsync(TestUser admin, string url, params string[] events)
    {
        var response = await admin.PostJsonAsync("/api/webhooks", new { url, description = "support events", events });
        await Expect.StatusAsync(response, 201);
        return (await response.Content.ReadFromJsonAsync<CreatedWebhook>(ChangeDeskFactory.Json, TestContext.Current.CancellationToken))!;
    }
}
