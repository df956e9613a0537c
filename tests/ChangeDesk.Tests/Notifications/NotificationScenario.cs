using System.Net.Http.Json;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Notifications;

/// <summary>A tenant with its admin and further users (tenant readers), all with unique addresses.</summary>
public sealed record TenantPeople(TenantView Tenant, TestUser Admin, IReadOnlyList<TestUser> Readers)
{
    public IReadOnlyList<TestUser> Everyone => [Admin, .. Readers];
    public IReadOnlyList<string> Emails => Everyone.Select(u => u.Email).ToList();
}

/// <summary>A provider change as the API takes it; the defaults make a "stay informed" post that needs no action.</summary>
public sealed record ChangeSpec(IReadOnlyList<Guid> Tenants, DateTimeOffset PlannedStart)
{
    public string Title { get; init; } = $"Settings move {Guid.NewGuid():n}";
    public string Description { get; init; } = "The **settings** move to the new console.";
    public bool AdminActionRequired { get; init; }
    public DateTimeOffset? ActionRequiredBy { get; init; }
    public string? Category { get; init; }

    /// <summary>Targets every tenant instead of <see cref="Tenants"/>.</summary>
    public bool AllTenants { get; init; }

    public object Body => new
    {
        title = Title,
        description = Description,
        type = "functionality",
        subtype = "feature-update",
        scope = "managed-service",
        targetsAllTenants = AllTenants,
        targetTenantIds = Tenants,
        services = new[] { "Windows" },
        plannedStart = PlannedStart,
        adminActionRequired = AdminActionRequired,
        adminAction = AdminActionRequired ? "Review the new defaults" : null,
        actionRequiredBy = ActionRequiredBy,
        category = Category,
    };
}

public static class NotificationScenario
{
    /// <summary>A new tenant with its admin and <paramref name="people"/> − 1 tenant readers.</summary>
    public static async Task<TenantPeople> TenantAsync(this ChangeDeskFactory app, int people)
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var readers = new List<TestUser>();
        for (var i = 1; i < people; i++)
        {
            readers.Add(await app.CreateUserAsync(Role.TenantReader, tenant.Id));
        }
        return new TenantPeople(tenant, admin, readers);
    }

    public static ChangeSpec Spec(this ChangeDeskFactory app, params IEnumerable<TenantPeople> tenants) =>
        new(tenants.Select(t => t.Tenant.Id).ToList(), app.Clock.GetUtcNow().AddDays(7));

    public static async Task<ChangeView> CreateChangeAsync(this TestUser author, ChangeSpec spec)
    {
        var created = await author.PostJsonAsync("/api/changes", spec.Body);
        await Expect.StatusAsync(created, 201);
        return (await created.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
    }

    /// <summary>Drafts and announces the change; the returned view names its Message Center post.</summary>
    public static async Task<ChangeView> AnnounceAsync(this TestUser author, ChangeSpec spec)
    {
        var change = await author.CreateChangeAsync(spec);
        var announced = await author.PostJsonAsync($"/api/changes/{change.Id}/announce");
        await Expect.StatusAsync(announced, 200);
        var view = (await announced.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
        Assert.NotNull(view.MessageId);
        return view;
    }

    /// <summary>Edits an announced change (the post is revised and "Updated:" emails go out).</summary>
    public static async Task<ChangeView> EditAsync(this TestUser author, int changeId, ChangeSpec spec)
    {
        var response = await author.PutJsonAsync($"/api/changes/{changeId}", spec.Body);
        await Expect.StatusAsync(response, 200);
        return (await response.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
    }

    public static async Task SetPreferencesAsync(this TestUser user, object preferences)
    {
        var response = await user.PutJsonAsync("/api/notifications/preferences", preferences);
        await Expect.StatusAsync(response, 200);
    }

    /// <summary>Adds a shared mailbox to the admin's tenant, pending until its owner confirms it; returns the address.</summary>
    public static async Task<string> AddAddressAsync(this TestUser tenantAdmin, string? mode = null)
    {
        var address = $"shared-{Guid.NewGuid():n}@example.test";
        var response = await tenantAdmin.PostJsonAsync("/api/notifications/addresses", new { email = address, mode });
        await Expect.StatusAsync(response, 201);
        return address;
    }

    /// <summary>The outbox as a provider admin sees it over the API, limited to the given addresses.</summary>
    public static async Task<List<OutboxView>> OutboxAsync(this TestUser providerAdmin, IEnumerable<string> recipients, string state = "all", string channel = Channels.Email)
    {
        var set = recipients.Select(r => r.ToLowerInvariant()).ToHashSet();
        var rows = await providerAdmin.GetJsonAsync<List<OutboxView>>($"/api/outbox?state={state}&channel={channel}&top=1000");
        return rows.Where(r => set.Contains(r.Recipient.ToLowerInvariant())).ToList();
    }

    /// <summary>Outbox rows straight from the database (for checks made while no API client is at hand).</summary>
    public static Task<List<OutboxMessage>> OutboxRowsAsync(this ChangeDeskFactory app, IEnumerable<string> recipients, string channel = Channels.Email)
    {
        var set = recipients.Select(r => r.ToLowerInvariant()).ToList();
        return app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Outbox.AsNoTracking()
#pragma warning disable CA1304, CA1311 // translated to SQL lower(); the overloads with a culture are not
            .Where(o => o.Channel == channel && set.Contains(o.Recipient.ToLower())).ToListAsync());
#pragma warning restore CA1304, CA1311
    }

    /// <summary>Waits until every email row for these addresses is settled (sent or dead); returns them.</summary>
    public static async Task<List<OutboxMessage>> SettledRowsAsync(this ChangeDeskFactory app, IEnumerable<string> recipients, int expected)
    {
        var last = new List<OutboxMessage>();
        try
        {
            return await Poll.ForAsync(async () => last = await app.OutboxRowsAsync(recipients),
                rows => rows.Count == expected && rows.All(r => r.SentAt is not null || r.DeadAt is not null), what: $"{expected} email rows to be settled");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // What the rows were doing, so that a failure says why they did not settle.
            var states = last.Select(r => $"{r.Recipient}: due {r.DueAt:O}, {r.Attempts} attempt(s), lease {r.LeaseOwner} until {r.LeaseUntil:O}, last error {r.LastError}");
            Assert.Fail($"{e.Message} Clock {app.Clock.GetUtcNow():O}; {last.Count} row(s): {string.Join("; ", states)}");
            throw;
        }
    }

    /// <summary>
    /// Asserts that each outbox row reached the SMTP server exactly once: one accepted copy per Message-ID.
    /// A copy sent again is only allowed when every earlier copy was refused by the server (a retry).
    /// </summary>
    public static void AssertEachAcceptedOnce(SmtpSink sink, IReadOnlyCollection<OutboxMessage> rows)
    {
        var copies = sink.All.GroupBy(m => m.MessageId).ToDictionary(g => g.Key, g => g.OrderBy(m => m.Sequence).ToList());
        foreach (var row in rows)
        {
            var id = $"{row.Id:n}@changedesk";
            Assert.True(copies.TryGetValue(id, out var list), $"{id} ({row.Recipient}) never reached the SMTP server.");
            var accepted = list.Where(m => m.Accepted).ToList();
            Assert.True(accepted.Count == 1, $"{id} ({row.Recipient}) was accepted {accepted.Count} times.");
            Assert.True(list[^1].Accepted, $"{id} ({row.Recipient}) was sent again after the server had accepted it.");
            Assert.Equal(row.Recipient, list[^1].To, ignoreCase: true);
        }
        var expected = rows.Select(r => $"{r.Id:n}@changedesk").ToHashSet();
        var recipients = rows.Select(r => r.Recipient.ToLowerInvariant()).ToHashSet();
        var strays = sink.All.Where(m => recipients.Contains(m.To.ToLowerInvariant()) && !expected.Contains(m.MessageId)).ToList();
        Assert.True(strays.Count == 0, $"Unexpected mail: {string.Join(", ", strays.Select(s => $"{s.MessageId} to {s.To}"))}");
    }
}
