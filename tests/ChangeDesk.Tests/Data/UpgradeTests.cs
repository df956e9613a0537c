using System.Net.Http.Headers;
using System.Text.Json;
using ChangeDesk.Approvals;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Digests;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Notifications.Preferences;
using ChangeDesk.Notifications.Webhooks;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChangeDesk.Tests.Data;

/// <summary>
/// An installation that started on the first committed migration and was upgraded step by step keeps every row, and
/// the service answers from it as from a database it created itself. Each kind of row is written at the oldest
/// migration whose tables hold it, with the values that version stored.
/// </summary>
public sealed partial class UpgradeTests : IAsyncDisposable
{
    static readonly DateTimeOffset Then = ChangeDeskFactory.Start.AddDays(-30);

    readonly ChangeDeskFactory app = new();
    readonly Guid contoso = Guid.NewGuid(), fabrikam = Guid.NewGuid();
    readonly Guid providerAdmin = Guid.NewGuid(), contosoAdmin = Guid.NewGuid(), fabrikamAdmin = Guid.NewGuid();
    readonly Guid endpoint = Guid.NewGuid(), queuedEmail = Guid.NewGuid(), sentWebhook = Guid.NewGuid();
    readonly Dictionary<string, int> written = [];
    int announced, draft;
    const string MessageId = "MC100007";

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task RowsWrittenAtTheFirstMigrationSurviveEveryUpgradeAndServeTheApi()
    {
        await using (var old = await OldSchema.OpenAsync(app))
        {
            var seeds = new List<(string[] Tables, Func<OldSchema, Task> Write)>
            {
                (["Tenants", "Users", "ApiTokens", "Settings", "ChangeTypes", "ResponsibilityOverrides", "Changes", "ChangeTargets", "ChecklistTasks", "Mitigations", "AuditRecords"], WriteAccountsAndChangesAsync),
                (["Messages", "MessageTenants", "MessageRevisions", "MessageViewStates"], WriteMessageCenterAsync),
                (["Outbox", "NotificationPreferences", "TenantNotificationSettings", "WebhookEndpoints", "WebhookDeliveries", "ChangeApprovals", "TenantApprovers"], WriteNotificationsAndApprovalsAsync),
            };
            var first = old.Migrations[0];
            foreach (var migration in old.Migrations)
            {
                await old.MigrateToAsync(migration);
                foreach (var seed in seeds.ToList())
                {
                    if (await old.HasTablesAsync(seed.Tables))
                    {
                        await seed.Write(old);
                        seeds.Remove(seed);
                    }
                }
                if (migration == first)
                {
                    Assert.True(written.ContainsKey("Changes"), "the first migration holds tenants, users and changes");
                }
            }
            Assert.Empty(seeds);
        }

        await app.InitializeAsync(); // migrates to the latest on start

        await using (var upgraded = await OldSchema.OpenAsync(app))
        {
            foreach (var (table, rows) in written)
            {
                Assert.True(rows == await upgraded.CountAsync(table), $"{table} keeps its {rows} rows");
            }
        }
        var provider = User(providerAdmin, Role.ProviderAdmin, null, "cdk_upgrade_provider");
        var customer = User(contosoAdmin, Role.TenantAdmin, contoso, "cdk_upgrade_contoso");
        var other = User(fabrikamAdmin, Role.TenantAdmin, fabrikam, "cdk_upgrade_fabrikam");

        var change = await provider.GetChangeAsync(announced);
        Assert.Equal(("Simplified support ticket submission", ChangeState.Announced, Consent.Approve, 3), (change.Title, change.State, change.Consent, change.Version));
        Assert.Equal([contoso], change.TargetTenantIds);
        Assert.Equal(["IT Admin Portal"], change.Services);
        Assert.Equal(Then.AddDays(40), change.PlannedStart);
        Assert.Equal("Pilot group moved first", Assert.Single(change.Mitigations).Description);
        Assert.Equal(2, change.Checklist.Count);
        Assert.Equal(MessageId, change.MessageId);
        Assert.Equal(announced, (await customer.GetChangeAsync(announced)).Id);
        Assert.Equal(404, (int)(await other.Client.GetAsync($"/api/changes/{announced}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(ChangeState.Draft, (await customer.GetChangeAsync(draft)).State);

        using var graph = JsonDocument.Parse(await customer.Client.GetStringAsync("/graph/v1.0/admin/serviceAnnouncement/messages", TestContext.Current.CancellationToken));
        var posted = Assert.Single(graph.RootElement.GetProperty("value").EnumerateArray());
        Assert.Equal(MessageId, posted.GetProperty("id").GetString());
        Assert.Equal("Simplified support ticket submission", posted.GetProperty("title").GetString());
        Assert.True(posted.GetProperty("viewPoint").GetProperty("isRead").GetBoolean());
        Assert.True(posted.GetProperty("viewPoint").GetProperty("isFavorited").GetBoolean());
        using var otherGraph = JsonDocument.Parse(await other.Client.GetStringAsync("/graph/v1.0/admin/serviceAnnouncement/messages", TestContext.Current.CancellationToken));
        Assert.Empty(otherGraph.RootElement.GetProperty("value").EnumerateArray());
        var detail = await customer.GetJsonAsync<MessageDetailView>($"/api/message-center/messages/{MessageId}");
        Assert.Equal("Rollout", Assert.Single(detail.Details).Name);
        Assert.Equal("Support form moved", Assert.Single(detail.History).Title);

        var board = await provider.GetJsonAsync<ApprovalBoard>($"/api/changes/{announced}/approvals");
        Assert.Equal((contoso, ApprovalState.Pending), (Assert.Single(board.Tenants).TenantId, board.Tenants[0].State));
        Assert.Equal(contosoAdmin, Assert.Single(await customer.GetJsonAsync<List<ApproverView>>($"/api/tenants/{contoso}/approvers")).UserId);
        Assert.Equal(DeliveryMode.DailyDigest, (await customer.GetJsonAsync<PreferenceView>("/api/notifications/preferences")).Mode);
        Assert.Equal("Europe/Berlin", (await customer.GetJsonAsync<TenantSettingsView>("/api/notifications/tenant-settings")).TimeZone);
        var hook = Assert.Single(await customer.GetJsonAsync<List<WebhookView>>("/api/webhooks"));
        Assert.Equal(sentWebhook, Assert.Single(await customer.GetJsonAsync<List<DeliveryView>>($"/api/webhooks/{hook.Id}/deliveries")).OutboxId);

        // The email queued before email contents existed still goes out, with the body it was queued with.
        var outbox = await Poll.ForAsync(() => provider.GetJsonAsync<List<OutboxView>>("/api/outbox?state=all&top=100"),
            rows => rows.Any(r => r.Id == queuedEmail && r.State == "sent"), what: "the queued email to be sent");
        Assert.Equal("sent", outbox.Single(r => r.Id == sentWebhook).State);
        Assert.Contains("The support form gets shorter.", await File.ReadAllTextAsync(Path.Combine(app.PickupDirectory, $"{queuedEmail:n}.eml"), TestContext.Current.CancellationToken));

        var audit = await provider.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.True(audit.IsIntact, audit.Problem);
        Assert.True(audit.RecordsChecked >= written["AuditRecords"]);

        // New writes continue the old numbering and the old audit chain.
        var edited = await (await customer.PutJsonAsync($"/api/changes/{draft}", ApiSteps.TenantChange(ChangeDeskFactory.Start.AddDays(20)) with { Title = "Upgrade the claims application, phase 2" }))
            .ReadAsync<ChangeView>();
        Assert.Equal(2, edited.Version);
        var created = await customer.CreateChangeAsync(ApiSteps.TenantChange(ChangeDeskFactory.Start.AddDays(30)));
        Assert.True(created.Id > draft);
        await app.ChainAuditAsync();
        var after = await provider.GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.True(after.IsIntact, after.Problem);
        Assert.True(after.RecordsChecked > audit.RecordsChecked);
    }

    TestUser User(Guid id, Role role, Guid? tenant, string secret)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return new TestUser(id, $"{secret}@example.test", "", role, tenant, secret, client);
    }

    async Task Write(OldSchema db, string table, params object[] rows)
    {
        foreach (var row in rows)
        {
            await db.InsertAsync(table, row);
        }
        written[table] = written.GetValueOrDefault(table) + rows.Length;
    }

    async Task WriteAccountsAndChangesAsync(OldSchema db)
    {
        await Write(db, "Tenants", new { Id = contoso, Name = "Contoso (upgraded)", CreatedAt = Then }, new { Id = fabrikam, Name = "Fabrikam (upgraded)", CreatedAt = Then });
        await Write(db, "Users",
            new { Id = providerAdmin, Email = "provider@upgrade.test", DisplayName = "Pat Provider", Role = (int)Role.ProviderAdmin, TenantId = (Guid?)null, PasswordHash = (string?)null, IsDisabled = false, CreatedAt = Then },
            new { Id = contosoAdmin, Email = "admin@contoso.upgrade.test", DisplayName = "Casey Contoso", Role = (int)Role.TenantAdmin, TenantId = (Guid?)contoso, PasswordHash = (string?)null, IsDisabled = false, CreatedAt = Then },
            new { Id = fabrikamAdmin, Email = "admin@fabrikam.upgrade.test", DisplayName = "Frankie Fabrikam", Role = (int)Role.TenantAdmin, TenantId = (Guid?)fabrikam, PasswordHash = (string?)null, IsDisabled = false, CreatedAt = Then });
        await Write(db, "ApiTokens",
            Token(providerAdmin, null, "cdk_upgrade_provider"), Token(contosoAdmin, contoso, "cdk_upgrade_contoso"), Token(fabrikamAdmin, fabrikam, "cdk_upgrade_fabrikam"));
        await Write(db, "Settings", new { Key = "provider.name", Value = "Northwind Managed Services" });
        await Write(db, "ChangeTypes", [.. ChangeTypeCatalog.Defaults().Select(t => new
        {
            t.Key, t.Name, t.NoticeDays, t.AdvanceNotice, Channels = t.Channels.ToArray(), AdminActionRequired = (int)t.AdminActionRequired,
            t.TypeOfAction, TestingRequired = (int)t.TestingRequired, t.TestingGuidance, t.Examples,
        })]);
        await Write(db, "ResponsibilityOverrides", new { Id = Guid.NewGuid(), TenantId = (Guid?)contoso, Activity = 1, Scope = 0, Responsible = 2 });

        var laterColumns = await db.HasColumnAsync("Changes", "ExtraTags");
        announced = await db.InsertReturningIdAsync("Changes", ChangeRow("Simplified support ticket submission", null, ChangeState.Announced, Consent.Approve, 3, laterColumns));
        draft = await db.InsertReturningIdAsync("Changes", ChangeRow("Upgrade the claims application", contoso, ChangeState.Draft, Consent.None, 1, laterColumns));
        written["Changes"] = 2;
        await Write(db, "ChangeTargets", new { ChangeId = announced, TenantId = contoso });
        await Write(db, "ChecklistTasks",
            ChecklistRow(announced, 0, null, "Tell the service desk", 0), ChecklistRow(announced, 1, contoso, "Check the support form", 1));
        await Write(db, "Mitigations", new
        {
            Id = Guid.NewGuid(),
            ChangeId = announced,
            OwnerTenantId = (Guid?)null,
            Description = "Pilot group moved first",
            AppliedAt = Then.AddDays(1),
            RecordedById = providerAdmin,
            RecordedAt = Then.AddDays(1),
        });

        var previous = AuditChain.GenesisHash;
        var records = new List<object>();
        foreach (var (sequence, tenant, entity, id) in new[] { (1L, contoso, "Tenant", contoso.ToString()), (2L, fabrikam, "Tenant", fabrikam.ToString()) })
        {
            var after = JsonSerializer.Serialize(new { CreatedAt = Then, Id = id, Name = "upgraded" });
            var hash = AuditChain.ComputeHash(sequence, Then, providerAdmin, "Pat Provider", tenant, null, entity, id, "created", "Create tenant", null, after, previous);
            records.Add(new
            {
                Sequence = sequence,
                At = Then,
                ActorId = (Guid?)providerAdmin,
                ActorName = "Pat Provider",
                TenantId = (Guid?)tenant,
                ChangeId = (int?)null,
                EntityType = entity,
                EntityId = id,
                Action = "created",
                Operation = "Create tenant",
                Before = (string?)null,
                After = after,
                PreviousHash = previous,
                Hash = hash,
            });
            previous = hash;
        }
        await Write(db, "AuditRecords", [.. records]);
    }

    static object Token(Guid user, Guid? tenant, string secret) => new
    {
        Id = Guid.NewGuid(),
        UserId = user,
        Name = "upgrade",
        Prefix = secret[..10],
        TokenHash = Accounts.HashToken(secret),
        TenantId = tenant,
        CreatedAt = Then,
        LastUsedAt = (DateTimeOffset?)null,
        RevokedAt = (DateTimeOffset?)null,
    };

    static object ChecklistRow(int change, int party, Guid? tenant, string text, int ordinal) => new
    {
        Id = Guid.NewGuid(),
        ChangeId = change,
        Phase = 0,
        Party = party,
        TenantId = tenant,
        Text = text,
        Ordinal = ordinal,
        CreatedAt = Then,
        CompletedAt = (DateTimeOffset?)null,
        CompletedById = (Guid?)null,
        CompletedByName = (string?)null,
    };

    Dictionary<string, object?> ChangeRow(string title, Guid? owner, ChangeState state, Consent consent, int version, bool laterColumns)
    {
        var row = new Dictionary<string, object?>
        {
            ["Title"] = title,
            ["Description"] = "The **IT Admin Portal** gets a shorter support form.",
            ["TypeKey"] = ChangeTypeCatalog.Functionality,
            ["Subtype"] = owner is null ? "feature-update" : "new-feature",
            ["Scope"] = owner is null ? 0 : 3,
            ["OwnerTenantId"] = owner,
            ["TargetsAllTenants"] = false,
            ["Services"] = owner is null ? new[] { "IT Admin Portal" } : Array.Empty<string>(),
            ["AdminActionRequired"] = false,
            ["AdminAction"] = null,
            ["Consent"] = (int)consent,
            ["ActionRequiredBy"] = null,
            ["PlannedStart"] = Then.AddDays(40),
            ["PlannedEnd"] = Then.AddDays(42),
            ["IsEmergency"] = false,
            ["Severity"] = 0,
            ["IsMajorChange"] = false,
            ["State"] = (int)state,
            ["Version"] = version,
            ["CreatedById"] = owner is null ? providerAdmin : contosoAdmin,
            ["CreatedAt"] = Then,
            ["UpdatedAt"] = Then.AddDays(1),
            ["AnnouncedAt"] = state == ChangeState.Draft ? null : Then.AddDays(1),
        };
        if (laterColumns)
        {
            row["ExtraTags"] = Array.Empty<string>();
            row["MessageCategory"] = null;
        }
        return row;
    }
}
