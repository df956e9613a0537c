using ChangeDesk.Approvals;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using static ChangeDesk.Tests.Approvals.ApprovalScenario;

namespace ChangeDesk.Tests.Approvals;

/// <summary>Moving the action-required-by date starts the reminders over. One test: it owns the clock.</summary>
public sealed class ApprovalDeadlineMoveTests(ReminderFixture app) : IClassFixture<ReminderFixture>
{
    [Fact]
    public async Task AMovedDeadlineGetsItsOwnRemindersAndItsOwnEscalation()
    {
        var (a, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var provider = await app.CreateUserAsync(Role.ProviderAdmin);
        var start = app.Clock.GetUtcNow();
        var first = start.AddDays(10);
        var change = await AnnounceAsync(rm, "approve", first, start.AddDays(20), null, a.Id);
        async Task<int> Count(string eventType) => (await EmailsAsync(provider, change.Id, eventType)).Count(e => e.Recipient == admin.Email);
        async Task<ApprovalView> Row() => Assert.Single((await BoardAsync(rm, change.Id)).Tenants);

        app.Clock.SetUtcNow(first.AddHours(-72));
        await app.RunJobUntilAsync(async () => await Count(WebhookEvents.ApprovalReminder) == 1, "the first 72-hour reminder");

        // The provider gives the tenant five more days: the 72- and 24-hour reminders come again for the new date.
        var second = first.AddDays(5);
        await EditAsync(rm, change, deadline: second);
        Assert.Equal(second, (await Row()).Deadline);
        await app.PassAsync();
        Assert.Equal(1, await Count(WebhookEvents.ApprovalReminder));
        app.Clock.SetUtcNow(second.AddHours(-72));
        await app.RunJobUntilAsync(async () => await Count(WebhookEvents.ApprovalReminder) == 2, "the 72-hour reminder of the new deadline");
        app.Clock.SetUtcNow(second.AddHours(-24));
        await app.RunJobUntilAsync(async () => await Count(WebhookEvents.ApprovalReminder) == 3, "the 24-hour reminder of the new deadline");

        app.Clock.SetUtcNow(second.AddSeconds(1));
        await app.RunJobUntilAsync(async () => (await Row()).State == ApprovalState.Expired, "the request to expire");
        Assert.Equal(1, await Count(WebhookEvents.ApprovalOverdue));

        // Reopened by a later deadline, it expires and is escalated again when that one passes.
        var third = second.AddDays(3);
        await EditAsync(rm, change, deadline: third);
        Assert.Equal(ApprovalState.Pending, (await Row()).State);
        Assert.Empty(await rm.GetJsonAsync<List<ApprovalView>>("/api/approvals/overdue"));
        await app.RunJobUntilAsync(async () => await Count(WebhookEvents.ApprovalReminder) == 4, "the reminder of the reopened request");
        app.Clock.SetUtcNow(third.AddSeconds(1));
        await app.RunJobUntilAsync(async () => (await Row()).State == ApprovalState.Expired, "the reopened request to expire");
        await app.PassAsync();
        Assert.Equal(2, await Count(WebhookEvents.ApprovalOverdue));
        Assert.Equal(4, await Count(WebhookEvents.ApprovalReminder));
    }
}
