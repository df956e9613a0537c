using System.Text.Json;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>Every write is in the audit trail with who did what; the chain verifies as intact. Tampering is in <see cref="EditedAuditRecordTests"/>.</summary>
public sealed class AuditTrailTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task EveryMutationOfAChangeIsInItsTimelineWithTheActorAndTheOperation()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var se = await app.CreateUserAsync(Role.SupportEngineer);
        var input = ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id) with { Title = "Original title" };
        var change = await rm.CreateChangeAsync(input);
        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = "Better title" }), 200);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description = "Staged in the Test ring" }), 200);
        var announced = await rm.ActAsync(change.Id, "announce");
        await rm.ActAsync(change.Id, "start");
        var providerTask = announced.Checklist.First(t => t.Party == Party.Provider);
        await Expect.StatusAsync(await se.PostJsonAsync($"/api/changes/{change.Id}/checklist/{providerTask.Id}/complete"), 200);
        app.Clock.Advance(TimeSpan.FromHours(1));
        await rm.ActAsync(change.Id, "pause", "resume", "complete", "review");

        await app.ChainAuditAsync();
        var timeline = await rm.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={change.Id}");

        string[] expected =
        [
            "Create change", "Edit change", "Record mitigation", "Announce change", "Start change", "Complete checklist task",
            "Pause change", "Resume change", "Complete change", "Review change",
        ];
        Assert.Equal(expected, timeline.Select(r => r.Operation!).Distinct());
        Assert.All(timeline, r => Assert.Equal(change.Id, r.ChangeId));
        Assert.Equal(timeline.Select(r => r.Sequence).Order(), timeline.Select(r => r.Sequence));
        Assert.All(timeline.Where(r => r.Operation != "Complete checklist task"), r => Assert.Equal((rm.Email, (Guid?)rm.Id), (r.Actor, r.ActorId)));
        var completion = Assert.Single(timeline, r => r.Operation == "Complete checklist task" && r.EntityType == "ChecklistTask");
        Assert.Equal((se.Email, providerTask.Id.ToString(), "updated"), (completion.Actor, completion.EntityId, completion.Action));

        var created = Assert.Single(timeline, r => r.Operation == "Create change" && r.EntityType == "Change");
        Assert.Equal(("created", (string?)null), (created.Action, created.Before));
        Assert.Contains(timeline, r => r.Operation == "Create change" && r.EntityType == "ChangeTarget" && r.EntityId == $"{change.Id},{tenant.Id}");
        var edit = Assert.Single(timeline, r => r.Operation == "Edit change" && r.EntityType == "Change");
        Assert.Equal("Original title", Field(edit.Before, "Title"));
        Assert.Equal("Better title", Field(edit.After, "Title"));
        var announce = Assert.Single(timeline, r => r.Operation == "Announce change" && r.EntityType == "Change");
        // Snapshots are plain JSON of the entity, so enum values are stored as numbers.
        Assert.Equal(("Draft", "Announced"), (Field(announce.Before, "State"), Field(announce.After, "State")));
        Assert.Equal(announced.Checklist.Count, timeline.Count(r => r.Operation == "Announce change" && r.EntityType == "ChecklistTask" && r.Action == "created"));
        // The checklist is written in bulk; its records read like any other: enum values by name, the item's own id.
        Assert.All(timeline.Where(r => r.Operation == "Announce change" && r.EntityType == "ChecklistTask"), r =>
        {
            Assert.Equal("Before", Field(r.After, "Phase"));
            Assert.Contains(Field(r.After, "Party"), new[] { "Provider", "Customer" });
            Assert.Equal(r.EntityId, Field(r.After, "Id"));
        });
        Assert.Equal(app.Clock.GetUtcNow(), timeline.Single(r => r.Operation == "Review change").At);
    }

    [Fact]
    public async Task AdministrationIsAuditedToo()
    {
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var tenant = await (await pa.PostJsonAsync("/api/tenants", new { name = $"Audited {Guid.NewGuid():n}" })).ReadAsync<TenantView>(201);
        var user = await (await pa.PostJsonAsync("/api/users", new { email = $"audited-{Guid.NewGuid():n}@example.test", role = "tenant-admin", tenantId = tenant.Id, password = "a-long-password" }))
            .ReadAsync<UserView>(201);
        await Expect.StatusAsync(await pa.PutJsonAsync("/api/responsibility-matrix/cells/test-new-features/on-premises", new { responsible = "customer", tenantId = tenant.Id }), 200);

        var records = await AllAsync(app, pa);

        var mine = records.Where(r => r.ActorId == pa.Id).ToList();
        Assert.Equal(["Create tenant", "Create user", "Set tenant responsibility override"], mine.Select(r => r.Operation!));
        Assert.Equal([tenant.Id.ToString(), user.Id.ToString()], mine.Take(2).Select(r => r.EntityId));
        Assert.All(mine, r => Assert.Equal(tenant.Id, r.TenantId));
        Assert.DoesNotContain("PasswordHash", mine[1].After);
        Assert.DoesNotContain(records.Where(r => r.EntityType == "ApiToken"), r => r.After!.Contains("TokenHash", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VerifyReportsAnIntactChainEndingAtTheLatestRecord()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        await admin.CreateChangeAsync(ApiSteps.TenantChange(app.Clock.GetUtcNow().AddDays(30)));
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        await app.ChainAuditAsync();

        var result = await pa.GetJsonAsync<AuditVerification>("/api/audit/verify");

        var records = await AllAsync(app, pa);
        Assert.True(result.IsIntact);
        Assert.Null(result.FirstBadSequence);
        Assert.Null(result.Problem);
        Assert.Equal(records.Count, result.RecordsChecked);
        Assert.Equal(records[^1].Hash, result.HeadHash);
        Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (long?)i), records.Select(r => r.Sequence));
    }

    [Fact]
    public async Task TheTrailIsPagedInSequenceOrder()
    {
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        await app.ChainAuditAsync();
        var first = await pa.GetJsonAsync<List<AuditEntryView>>("/api/audit?top=2");
        var next = await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?top=2&afterSequence={first[^1].Sequence}");

        Assert.Equal([1L, 2L], first.Select(r => r.Sequence));
        Assert.Equal([3L, 4L], next.Select(r => r.Sequence));
        await Expect.ProblemAsync(await pa.Client.GetAsync("/api/audit?top=0", TestContext.Current.CancellationToken), 400, "validation");
        await Expect.ProblemAsync(await pa.Client.GetAsync("/api/audit?top=1001", TestContext.Current.CancellationToken), 400, "validation");
        await Expect.ProblemAsync(await pa.Client.GetAsync("/api/audit?changeId=999999", TestContext.Current.CancellationToken), 404, "not-found");
    }

    /// <summary>Every record, once the chainer has linked what was written so far.</summary>
    internal static async Task<List<AuditEntryView>> AllAsync(ChangeDeskFactory app, TestUser provider)
    {
        await app.ChainAuditAsync();
        var all = new List<AuditEntryView>();
        while (true)
        {
            var page = await provider.GetJsonAsync<List<AuditEntryView>>($"/api/audit?top=1000&afterSequence={(all.Count > 0 ? all[^1].Sequence : 0)}");
            all.AddRange(page);
            if (page.Count < 1000)
            {
                return all;
            }
        }
    }

    static string? Field(string? snapshot, string name) =>
        JsonDocument.Parse(snapshot!).RootElement.GetProperty(name) is var value && value.ValueKind == JsonValueKind.Number
            ? value.GetRawText()
            : value.GetString();
}
