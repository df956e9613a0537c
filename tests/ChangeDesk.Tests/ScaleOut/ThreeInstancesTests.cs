using System.Net.Http.Json;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.ScaleOut;

/// <summary>
/// Three instances of the service on one database (PostgreSQL in the PostgreSQL lane, one SQLite file otherwise),
/// each running every background job and keeping its email in its own folder. Every email must come out of
/// exactly one instance, exactly once.
/// </summary>
public sealed class ThreeInstancesTests : ThreeInstances
{
    /// <summary>Every .eml file of every instance, by outbox id (the file name).</summary>
    List<(string Id, string Instance, string Content)> Mail() =>
        Instances.SelectMany((f, i) => Directory.Exists(f.MailFolder)
                ? Directory.GetFiles(f.MailFolder, "*.eml").Select(path => (Path.GetFileNameWithoutExtension(path), $"instance {i + 1}", File.ReadAllText(path)))
                : [])
            .ToList();

    async Task<List<(string Id, string Instance, string Content)>> WaitForMailAsync(Func<(string Id, string Instance, string Content), bool> which, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var mail = Mail().Where(which).ToList();
            if (mail.Select(m => m.Id).Distinct().Count() >= expected || DateTime.UtcNow > deadline)
            {
                return mail;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until no outbox row is waiting or in flight. The clock must not jump while a send is in flight: a jump
    /// of days expires its lease at once, which no real clock does.
    /// </summary>
    static async Task WaitForOutboxToSettleAsync(TestUser admin)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await admin.GetJsonAsync<List<System.Text.Json.JsonElement>>("/api/outbox?state=pending")).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The instances share one clock (as servers kept in sync by NTP do): moving it wakes every instance's jobs.</summary>
    void AdvanceAll(TimeSpan by) => Instances[0].Clock.Advance(by);

    [Fact]
    public async Task EveryEmailAndEveryReminderIsSentOnceAcrossThreeInstances()
    {
        var app = Instances[0];
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenants = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var (tenant, _) = await app.CreateTenantWithAdminAsync();
            await app.CreateUserAsync(Role.TenantReader, tenant.Id);
            await app.CreateUserAsync(Role.TenantReader, tenant.Id);
            tenants.Add(tenant.Id);
        }
        var start = app.Clock.GetUtcNow().AddDays(10);
        var deadline = app.Clock.GetUtcNow().AddDays(5);
        var created = await release.PostJsonAsync("/api/changes", new
        {
            title = "Scale-out rollout",
            type = "functionality",
            subtype = "feature-update",
            scope = "managed-service",
            targetTenantIds = tenants,
            adminActionRequired = true,
            adminAction = "Review the new defaults",
            consent = "approve",
            actionRequiredBy = deadline,
            plannedStart = start,
        });
        await Expect.StatusAsync(created, 201);
        var change = (await created.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json, TestContext.Current.CancellationToken))!;
        await Expect.StatusAsync(await release.PostJsonAsync($"/api/changes/{change.Id}/announce"), 200);

        var admin = await app.CreateUserAsync(Role.ProviderAdmin);

        // 5 tenants × 3 people each.
        var posted = await WaitForMailAsync(m => m.Content.Contains("X-ChangeDesk-Event: message.posted"), 15);
        await WaitForOutboxToSettleAsync(admin);
        Assert.Equal(15, posted.Count);
        Assert.Equal(15, posted.Select(m => m.Id).Distinct().Count());

        AdvanceAll(deadline - app.Clock.GetUtcNow() - TimeSpan.FromHours(71));
        var reminders = await WaitForMailAsync(m => m.Content.Contains("X-ChangeDesk-Event: approval.reminder"), 5);
        await WaitForOutboxToSettleAsync(admin);
        Assert.Equal(5, reminders.Count);
        Assert.Equal(5, reminders.Select(m => m.Id).Distinct().Count());

        AdvanceAll(TimeSpan.FromHours(72));
        var overdue = await WaitForMailAsync(m => m.Content.Contains("X-ChangeDesk-Event: approval.overdue"), 5);
        Assert.Equal(5, overdue.Count);
        await WaitForOutboxToSettleAsync(admin);

        // Once everything is out, nothing more appears and no outbox row is left unsent.
        AdvanceAll(TimeSpan.FromHours(1));
        var pending = await admin.GetJsonAsync<List<System.Text.Json.JsonElement>>("/api/outbox?state=pending");
        Assert.Empty(pending);
        var all = Mail();
        var events = all.GroupBy(m => System.Text.RegularExpressions.Regex.Match(m.Content, "X-ChangeDesk-Event: (\\S+)").Groups[1].Value)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["message.posted"] = 15, ["approval.reminder"] = 5, ["approval.overdue"] = 5 }, events);
        Assert.Equal(all.Count, all.Select(m => m.Id).Distinct().Count());
    }
}
