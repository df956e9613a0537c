using ChangeDesk.Approvals;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ChangeDesk.Tests.Approvals.ApprovalScenario;

namespace ChangeDesk.Tests.Approvals;

/// <summary>The service with the approval job polling every second of the fake clock.</summary>
public class ReminderFixture : ChangeDeskFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Approvals:PollInterval", "00:00:01");
    }

    public ApprovalJob Job => Services.GetServices<IHostedService>().OfType<ApprovalJob>().Single();

    /// <summary>
    /// One pass of the job at the current fake time, run by the test itself: once it returns, whatever any pass at
    /// this time sends is in the outbox, so "nothing was sent" can be asserted without waiting.
    /// </summary>
    public Task PassAsync() => Job.RunOnceAsync(TestContext.Current.CancellationToken);

    /// <summary>Lets the background job run by moving the fake clock a second at a time until the condition holds.</summary>
    public Task RunJobUntilAsync(Func<Task<bool>> condition, string what) =>
        WaitUntilAsync(condition, what, () =>
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        });
}

/// <summary>Reminders before the deadline, then expiry and escalation, all on the fake clock. One test: it owns the clock.</summary>
public sealed class ApprovalReminderTests(ReminderFixture app) : IClassFixture<ReminderFixture>
{
    [Fact]
    public async Task RemindersGoOutAt72And24HoursThenTheRequestExpiresAndIsEscalatedOnce()
    {
        var (a, a1) = await app.CreateTenantWithAdminAsync();
        var a2 = await app.CreateUserAsync(Role.TenantAdmin, a.Id);
        var readerA = await app.CreateUserAsync(Role.TenantReader, a.Id);
        var (b, b1) = await app.CreateTenantWithAdminAsync();
        var (c, cx) = await app.CreateTenantWithAdminAsync();
        var cz = await app.CreateUserAsync(Role.TenantAdmin, c.Id);
        await Expect.StatusAsync(await cx.PutJsonAsync($"/api/tenants/{c.Id}/approvers", new { approverEmail = cx.Email }), 200);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);

        var start = app.Clock.GetUtcNow();
        var deadline = start.AddDays(10);
        var change = await AnnounceAsync(rm, "approve", deadline, deadline.AddDays(1), null, a.Id, b.Id, c.Id);
        await DecideOkAsync(b1, change.Id, "approve");

        async Task<Dictionary<string, int>> Sent(string eventType) =>
            (await EmailsAsync(admin, change.Id, eventType)).GroupBy(e => e.Recipient).ToDictionary(g => g.Key, g => g.Count());
        var approvers = new[] { a1.Email, a2.Email, cx.Email }; // A names nobody: all its admins; C names cx only
        var tenantAdmins = new[] { a1.Email, a2.Email, cx.Email, cz.Email };
        var nobody = new Dictionary<string, int>();

        // Far from the deadline, and one hour before the first reminder: nothing.
        await app.PassAsync();
        Assert.Equal(nobody, await Sent(WebhookEvents.ApprovalReminder));
        app.Clock.SetUtcNow(deadline.AddHours(-73));
        await app.PassAsync();
        Assert.Equal(nobody, await Sent(WebhookEvents.ApprovalReminder));

        // 72 hours before: one reminder per approver, sent by the background job.
        app.Clock.SetUtcNow(deadline.AddHours(-72));
        await app.RunJobUntilAsync(async () => (await Sent(WebhookEvents.ApprovalReminder)).Count == approvers.Length, "the 72-hour reminders");
        await app.PassAsync();
        Assert.Equal(approvers.Order().ToDictionary(e => e, _ => 1), await Sent(WebhookEvents.ApprovalReminder));
        var reminder = (await EmailsAsync(admin, change.Id, WebhookEvents.ApprovalReminder)).First(e => e.Recipient == a1.Email);
        Assert.Equal(a.Id, reminder.TenantId);
        Assert.Contains("Reminder: approve", reminder.Subject);

        // Still 25 hours before: no second reminder yet.
        app.Clock.SetUtcNow(deadline.AddHours(-25));
        await app.PassAsync();
        Assert.Equal(approvers.Order().ToDictionary(e => e, _ => 1), await Sent(WebhookEvents.ApprovalReminder));

        // 24 hours before: one more each.
        app.Clock.SetUtcNow(deadline.AddHours(-24));
        await app.RunJobUntilAsync(async () => (await Sent(WebhookEvents.ApprovalReminder)).Values.Sum() == 2 * approvers.Length, "the 24-hour reminders");
        await app.PassAsync();
        Assert.Equal(approvers.Order().ToDictionary(e => e, _ => 2), await Sent(WebhookEvents.ApprovalReminder));
        Assert.Equal(nobody, await Sent(WebhookEvents.ApprovalOverdue));
        Assert.Empty(await admin.GetJsonAsync<List<ApprovalView>>("/api/approvals/overdue"));

        // Past the deadline: expired, escalated once to every admin of the tenants that did not answer.
        app.Clock.SetUtcNow(deadline.AddSeconds(1));
        await app.RunJobUntilAsync(async () => (await Sent(WebhookEvents.ApprovalOverdue)).Count == tenantAdmins.Length, "the escalation emails");
        await app.PassAsync();
        Assert.Equal(tenantAdmins.Order().ToDictionary(e => e, _ => 1), await Sent(WebhookEvents.ApprovalOverdue));
        Assert.Contains("Overdue", (await EmailsAsync(admin, change.Id, WebhookEvents.ApprovalOverdue))[0].Subject);

        var board = await BoardAsync(rm, change.Id);
        Assert.Equal(ApprovalState.Expired, board.Tenants.Single(t => t.TenantId == a.Id).State);
        Assert.Equal(ApprovalState.Expired, board.Tenants.Single(t => t.TenantId == c.Id).State);
        Assert.Equal(ApprovalState.Approved, board.Tenants.Single(t => t.TenantId == b.Id).State);
        Assert.True(board.Tenants.Single(t => t.TenantId == a.Id).IsOverdue);
        Assert.Equal("waiting-on-customers", board.ProviderState);

        var overdue = await rm.GetJsonAsync<List<ApprovalView>>("/api/approvals/overdue");
        Assert.Equal(new[] { a.Id, c.Id }.Order(), overdue.Where(o => o.ChangeId == change.Id).Select(o => o.TenantId).Order());
        Assert.All(overdue, o => Assert.Equal(ApprovalState.Expired, o.State));
        // A tenant sees only its own overdue requests.
        Assert.Equal(a.Id, Assert.Single(await a1.GetJsonAsync<List<ApprovalView>>("/api/approvals/overdue")).TenantId);
        Assert.Empty(await b1.GetJsonAsync<List<ApprovalView>>("/api/approvals/overdue"));

        // An expired request still holds the change back.
        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/start"), 409, "approval-pending");
        Assert.Equal(2, refused.GetProperty("heldBy").GetArrayLength());

        // Later passes send nothing more.
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        await app.PassAsync();
        app.Clock.Advance(TimeSpan.FromDays(2));
        await app.PassAsync();
        Assert.Equal(approvers.Order().ToDictionary(e => e, _ => 2), await Sent(WebhookEvents.ApprovalReminder));
        Assert.Equal(tenantAdmins.Order().ToDictionary(e => e, _ => 1), await Sent(WebhookEvents.ApprovalOverdue));

        // The tenant that approved, and the reader, never got a reminder or an escalation.
        var all = (await EmailsAsync(admin, change.Id, WebhookEvents.ApprovalReminder)).Concat(await EmailsAsync(admin, change.Id, WebhookEvents.ApprovalOverdue)).ToList();
        Assert.DoesNotContain(all, e => e.Recipient == b1.Email || e.Recipient == readerA.Email);
        Assert.DoesNotContain(all, e => e.TenantId == b.Id);
    }
}
