using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChangeDesk.Tests.SupportRequests;

/// <summary>The provider's queue: its order, its filters, first-response breaches as the clock moves, and auto-close.</summary>
public sealed class SupportQueueTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset Now => app.Clock.GetUtcNow();

    [Fact]
    public async Task TheQueueIsSortedBySeverityThenAgeAndPages()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var oldC = await admin.FileAsync("c");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var oldA = await admin.FileAsync("a");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var b = await admin.FileAsync("b");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var newA = await admin.FileAsync("a");

        var queue = await engineer.QueueAsync($"tenantId={tenant.Id}");
        Assert.Equal([oldA.Number, newA.Number, b.Number, oldC.Number], queue.Items.Select(r => r.Number));
        Assert.Equal(4, queue.Total);
        Assert.All(queue.Items, r => Assert.Equal(tenant.Name, r.TenantName));

        var second = await engineer.GetJsonAsync<SupportRequestPage>($"/api/support-requests?tenantId={tenant.Id}&skip=2&top=2");
        Assert.Equal([b.Number, oldC.Number], second.Items.Select(r => r.Number));
        Assert.Equal((4, 2, 2), (second.Total, second.Skip, second.Top));

        // A tenant sees its own requests in the same order.
        Assert.Equal(queue.Items.Select(r => r.Number), (await admin.QueueAsync()).Items.Select(r => r.Number));
    }

    [Fact]
    public async Task TheQueueFiltersByStateSeverityTenantChangeReleaseAndAssignee()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var colleague = await app.CreateUserAsync(Role.SupportEngineer);
        var change = await app.AnnouncedChangeAsync(a.Id, b.Id);
        var releaseManager = await app.CreateUserAsync(Role.ReleaseManager);
        var release = (await Releases.ReleaseScenario.CreateReleaseAsync(releaseManager,
            new { title = $"Emergency fix {Guid.NewGuid():n}", kind = "out-of-band", targetTenantIds = new[] { b.Id } })).Id;
        var onChange = await adminA.FileAsync("b", changeId: change.Id);
        var onRelease = await adminB.FileAsync("a", releaseId: release);
        var plain = await adminA.FileAsync("c");
        await engineer.ActAsync(onChange.Number, "start");
        await engineer.AssignAsync(onChange.Number, engineer.Id);
        await engineer.AssignAsync(onRelease.Number, colleague.Id);
        await engineer.ActAsync(plain.Number, "start");
        await engineer.ActAsync(plain.Number, "resolve");
        var mine = new[] { onChange.Number, onRelease.Number, plain.Number };

        async Task<IEnumerable<string>> Numbers(string query) =>
            (await engineer.QueueAsync(query)).Items.Select(r => r.Number).Where(mine.Contains);

        Assert.Equal([onRelease.Number, onChange.Number], await Numbers("state=open"));
        Assert.Equal([plain.Number], await Numbers("state=resolved"));
        Assert.Equal([onRelease.Number, plain.Number], await Numbers("state=new,resolved"));
        Assert.Equal([onRelease.Number], await Numbers("severity=a"));
        Assert.Equal([onChange.Number, plain.Number], await Numbers("severity=b,c"));
        Assert.Equal([onChange.Number, plain.Number], await Numbers($"tenantId={a.Id}"));
        Assert.Equal([onChange.Number], await Numbers($"changeId={change.Id}"));
        Assert.Equal([onRelease.Number], await Numbers($"releaseId={release}"));
        Assert.Equal([onChange.Number], await Numbers("assignee=me"));
        Assert.Equal([onRelease.Number], await Numbers($"assignee={colleague.Id}"));
        Assert.Equal([plain.Number], await Numbers("assignee=unassigned"));
        Assert.Equal([onChange.Number], await Numbers($"q={onChange.Number}"));

        var assigned = await engineer.RequestAsync(onRelease.Number);
        Assert.Equal((colleague.Id, colleague.Email), (assigned.AssigneeId, assigned.AssigneeName));
        Assert.Null((await engineer.AssignAsync(onRelease.Number, null)).AssigneeId);
        // The release link is what the release signals count: per tenant and release.
        Assert.Equal([onRelease.Number], (await engineer.QueueAsync($"releaseId={release}&tenantId={b.Id}")).Items.Select(r => r.Number));
        Assert.Empty((await engineer.QueueAsync($"releaseId={release}&tenantId={a.Id}")).Items);
    }

    [Fact]
    public async Task AFirstResponseTargetIsBreachedOnceItsTimePassesWithoutAnAnswer()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var filedAt = Now;
        var critical = await admin.FileAsync("a");
        var high = await admin.FileAsync("b");
        var normal = await admin.FileAsync("c");
        Assert.Equal([filedAt.AddHours(1), filedAt.AddHours(4), filedAt.AddHours(24)], new[] { critical, high, normal }.Select(r => r.FirstResponseDueAt));

        async Task<Dictionary<string, bool>> Breaches() =>
            (await engineer.QueueAsync($"tenantId={tenant.Id}")).Items.ToDictionary(r => r.Number, r => r.FirstResponseBreached);

        app.Clock.Advance(TimeSpan.FromHours(1));
        Assert.All(await Breaches(), b => Assert.False(b.Value)); // exactly at the due time is still in time

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var breaches = await Breaches();
        Assert.True(breaches[critical.Number]);
        Assert.False(breaches[high.Number] || breaches[normal.Number]);
        Assert.Equal([critical.Number], (await engineer.QueueAsync($"tenantId={tenant.Id}&breached=true")).Items.Select(r => r.Number));
        Assert.Equal([high.Number, normal.Number], (await engineer.QueueAsync($"tenantId={tenant.Id}&breached=false")).Items.Select(r => r.Number));
        Assert.True((await admin.RequestAsync(critical.Number)).FirstResponseBreached);

        // Starting work on the high request in time meets its target for good; answering the critical one late stays a breach.
        var started = await engineer.ActAsync(high.Number, "start");
        Assert.Equal(Now, started.FirstResponseAt);
        var late = await engineer.CommentAsync(critical.Number, "Sorry for the wait: looking now.");
        Assert.Equal(Now, late.FirstResponseAt);
        Assert.True(late.FirstResponseBreached);

        app.Clock.Advance(TimeSpan.FromDays(2));
        breaches = await Breaches();
        Assert.True(breaches[critical.Number]);
        Assert.False(breaches[high.Number]);
        Assert.True(breaches[normal.Number]);
        Assert.Equal([critical.Number, normal.Number], (await engineer.QueueAsync($"tenantId={tenant.Id}&breached=true")).Items.Select(r => r.Number));
    }

    [Fact]
    public async Task AResolvedRequestNobodyAnswersClosesAfterTheConfiguredDays()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var quiet = await admin.FileAsync();
        var reopened = await admin.FileAsync();
        foreach (var r in new[] { quiet, reopened })
        {
            await engineer.ActAsync(r.Number, "start");
            await engineer.ActAsync(r.Number, "resolve", "Fixed on our side.");
        }
        var resolvedAt = Now;
        app.Clock.Advance(TimeSpan.FromDays(3));
        await admin.ActAsync(reopened.Number, "reopen", "Not fixed.");
        var job = app.Services.GetServices<IHostedService>().OfType<SupportAutoCloseJob>().Single();

        app.Clock.Advance(resolvedAt.AddDays(7).AddMinutes(-1) - Now);
        await job.RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(SupportState.Resolved, (await admin.RequestAsync(quiet.Number)).State);

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await job.RunOnceAsync(TestContext.Current.CancellationToken);
        var closed = await admin.RequestAsync(quiet.Number);
        Assert.Equal(SupportState.Closed, closed.State);
        Assert.Equal(resolvedAt.AddDays(7), closed.ClosedAt);
        Assert.Equal(SupportState.InProgress, (await admin.RequestAsync(reopened.Number)).State);

        // The requester hears about it once, however many passes run.
        await job.RunOnceAsync(TestContext.Current.CancellationToken);
        var mails = (await providerAdmin.GetJsonAsync<List<OutboxView>>("/api/outbox?state=all&channel=email&top=1000"))
            .Where(o => o.Recipient == admin.Email && o.Subject!.Contains($"{quiet.Number} Closed automatically")).ToList();
        Assert.Single(mails);
        Assert.Equal(admin.TenantId, mails[0].TenantId);
    }
}
