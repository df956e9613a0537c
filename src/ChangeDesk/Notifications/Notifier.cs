using System.Text.Json;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications;

/// <summary>
/// Turns events into outbox rows (emails per recipient, payloads per webhook endpoint) in the caller's
/// transaction, queued as bulk rows for its next save. Nothing is sent here: the senders deliver once the
/// transaction has committed.
/// </summary>
public sealed class Notifier(ChangeDeskDb db, ServiceOptions service, TimeProvider clock, Approvals.ApprovalLinks links)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Dedup keys queued in this unit of work. Asking the change tracker instead (DbSet.Local) runs DetectChanges over
    /// every tracked entity for each row, which made an announce to thousands of tenants quadratic.
    /// </summary>
    readonly HashSet<string> queued = [];

    /// <summary>The outbox rows and email contents queued in this unit of work (bulk rows, not tracked).</summary>
    readonly List<OutboxMessage> rows = [];
    readonly Dictionary<EmailTemplates.Email, EmailContent> contents = new(ReferenceEqualityComparer.Instance);

    bool forgetsAbandonedWrites;

    /// <summary>What this scope queued went with a write that failed or is tried again: the next attempt queues afresh.</summary>
    void ForgetOnAbandonedWrite()
    {
        if (!forgetsAbandonedWrites)
        {
            forgetsAbandonedWrites = true;
            db.WriteAbandoned += () =>
            {
                queued.Clear();
                rows.Clear();
                contents.Clear();
            };
        }
    }

    public sealed record Recipient(string Email, string? Name, NotificationPreference Preference);

    /// <summary>People of a tenant (and its confirmed extra addresses) with their preferences; defaults where unset.</summary>
    public async Task<List<Recipient>> RecipientsAsync(Guid tenantId, CancellationToken ct) =>
        (await RecipientsAsync([tenantId], ct))[tenantId];

    /// <summary>The recipients of many tenants, loaded with two queries rather than two per tenant.</summary>
    public async Task<Dictionary<Guid, List<Recipient>>> RecipientsAsync(IReadOnlyCollection<Guid> tenantIds, CancellationToken ct)
    {
        var result = tenantIds.Distinct().ToDictionary(t => t, _ => new List<Recipient>());
        // The tenants travel as one array parameter (see MatrixService.ForTenantsAsync).
        var ids = result.Keys.ToList();
        var users = await db.Users.IgnoreQueryFilters().AsNoTracking()
            .Where(u => u.TenantId != null && EF.Parameter(ids).Contains(u.TenantId.Value) && !u.IsDisabled)
            .OrderBy(u => u.TenantId).ThenBy(u => u.Id)
            .Select(u => new { u.Id, TenantId = u.TenantId!.Value, u.Email, u.DisplayName }).ToListAsync(ct);
        var prefs = await db.NotificationPreferences.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.TenantId != null && EF.Parameter(ids).Contains(p.TenantId.Value))
            // An extra address its owner has not confirmed gets nothing (see ExtraAddresses).
            .Where(p => p.UserId != null || p.ConfirmedAt != null)
            .OrderBy(p => p.TenantId).ThenBy(p => p.Id).ToListAsync(ct);
        var byUser = prefs.Where(p => p.UserId != null).ToDictionary(p => p.UserId!.Value);
        foreach (var u in users)
        {
            result[u.TenantId].Add(new Recipient(u.Email, u.DisplayName, byUser.GetValueOrDefault(u.Id) ?? NotificationPreference.Default(u.Id, u.TenantId)));
        }
        foreach (var p in prefs.Where(p => p.UserId == null && p.Email != null))
        {
            result[p.TenantId!.Value].Add(new Recipient(p.Email!, null, p));
        }
        return result;
    }

    public async Task MessagePostedAsync(Message message, IReadOnlyCollection<Guid> tenantIds, bool isUpdate, string? changedFields, CancellationToken ct)
    {
        if (tenantIds.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var requiresAction = message.Category == MessageCategory.PlanForChange || message.ActionRequiredByDateTime is not null || message.Consent != "none";
        var ids = tenantIds.Distinct().ToList();
        var names = await db.Tenants.IgnoreQueryFilters().AsNoTracking().Where(t => EF.Parameter(ids).Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var recipients = await RecipientsAsync(tenantIds, ct);
        var endpoints = await EndpointsAsync(ct);
        var eventType = isUpdate ? WebhookEvents.MessageUpdated : WebhookEvents.MessagePosted;
        var link = service.LinkTo($"/message-center/{message.Id}");
        var preferences = service.LinkTo("/account/notifications");
        foreach (var tenant in tenantIds)
        {
            var answer = message.Consent != "none" && message.OwnerTenantId is null && message.ChangeId is { } changeId
                ? links.LinkFor(changeId, tenant, message.StartDateTime > now ? message.StartDateTime : now.AddDays(7))
                : null;
            EmailTemplates.Email? email = null;
            foreach (var r in recipients[tenant])
            {
                if (r.Preference.Mode != DeliveryMode.Immediately
                    || !r.Preference.Wants(message.Category, message.Severity, message.Services, message.IsMajorChange, isUpdate, requiresAction))
                {
                    continue;
                }
                email ??= EmailTemplates.MessagePost(message, names.GetValueOrDefault(tenant, "your tenant"), link, preferences, isUpdate, changedFields, answer);
                Email(eventType, r.Email, r.Name, tenant, message.ChangeId, message.Id, email, $"{message.Id}:v{message.Version}", now);
            }
            Webhook(endpoints, eventType, tenant, message.ChangeId, $"{message.Id}:v{message.Version}:{tenant}", new
            {
                messageId = message.Id,
                version = message.Version,
                tenantId = tenant,
                changeId = message.ChangeId,
                releaseId = message.ReleaseId,
                title = message.Title,
                category = message.Category,
                severity = message.Severity,
                services = message.Services,
                tags = message.Tags,
                startDateTime = message.StartDateTime,
                actionRequiredByDateTime = message.ActionRequiredByDateTime,
                consent = message.Consent,
                changedFields,
                link,
            }, now);
        }
        await DropStoredAsync(ct);
    }

    /// <summary>
    /// Un-queues rows whose dedup key an earlier save already stored (a tenant taken off an announced change and
    /// put back is "posted" the same version again): one row per key, so queuing it again is a no-op rather
    /// than a unique-key violation that fails the whole edit.
    /// </summary>
    async Task DropStoredAsync(CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }
        var keys = rows.Select(r => r.DedupKey).ToList();
        var stored = (await db.Outbox.IgnoreQueryFilters().Where(o => EF.Parameter(keys).Contains(o.DedupKey)).Select(o => o.DedupKey).ToListAsync(ct)).ToHashSet();
        if (stored.Count == 0)
        {
            return;
        }
        db.DiscardBulk<OutboxMessage>(r => stored.Contains(r.DedupKey));
        rows.RemoveAll(r => stored.Contains(r.DedupKey));
        // Content that no queued email uses any more is not written either.
        var used = rows.Where(r => r.ContentId is not null).Select(r => r.ContentId!.Value).ToHashSet();
        db.DiscardBulk<EmailContent>(c => !used.Contains(c.Id));
        foreach (var (email, content) in contents.Where(c => !used.Contains(c.Value.Id)).ToList())
        {
            contents.Remove(email);
        }
    }

    /// <summary>
    /// Queues an email. Its body is stored once per rendered email (<see cref="EmailContent"/>): the recipients an email
    /// object is queued for share it, as the people of one tenant share their announcement.
    /// </summary>
    public void Email(string eventType, string address, string? name, Guid? tenant, int? changeId, string? messageId, EmailTemplates.Email email, string dedup, DateTimeOffset now)
    {
        var key = $"email:{eventType}:{dedup}:{address.ToLowerInvariant()}";
        ForgetOnAbandonedWrite();
        if (!queued.Add(key))
        {
            return;
        }
        if (!contents.TryGetValue(email, out var content))
        {
            content = new EmailContent { Text = email.Text, Html = email.Html, CreatedAt = now };
            contents[email] = content;
            db.AddBulk([content]);
        }
        Queue(new OutboxMessage
        {
            Channel = Channels.Email,
            EventType = eventType,
            Recipient = address,
            RecipientName = name,
            TenantId = tenant,
            ChangeId = changeId,
            MessageId = messageId,
            Subject = email.Subject,
            Body = "",
            ContentId = content.Id,
            DedupKey = key,
            CreatedAt = now,
            DueAt = now,
        });
    }

    void Queue(OutboxMessage row)
    {
        rows.Add(row);
        db.AddBulk([row]);
    }

    /// <summary>Queues an event for every active endpoint that wants it: the tenant's own, and the provider's.</summary>
    public async Task WebhookAsync(string eventType, Guid? tenant, int? changeId, string dedup, object data, DateTimeOffset now, CancellationToken ct)
    {
        var endpoints = await EndpointsAsync(ct);
        Webhook(endpoints, eventType, tenant, changeId, dedup, data, now);
    }

    /// <summary>
    /// Queues one event about <paramref name="tenant"/>'s (or the provider's) object that concerns other tenants too: the
    /// provider's endpoints and <paramref name="tenant"/>'s get it once, and so does every endpoint of the other tenants.
    /// </summary>
    public async Task WebhookAsync(string eventType, Guid? tenant, IReadOnlyCollection<Guid> alsoTo, int? changeId, string dedup, object data, DateTimeOffset now, CancellationToken ct)
    {
        var endpoints = await EndpointsAsync(ct);
        Webhook(endpoints, eventType, tenant, changeId, dedup, data, now);
        var told = alsoTo.ToHashSet();
        foreach (var endpoint in endpoints.Where(e => e.TenantId is { } t && t != tenant && told.Contains(t)))
        {
            Webhook([endpoint], eventType, endpoint.TenantId, changeId, dedup, data, now);
        }
    }

    /// <summary>The same event for many tenants, with the endpoints loaded once.</summary>
    public async Task WebhooksAsync(string eventType, IEnumerable<(Guid? Tenant, int? ChangeId, string Dedup, object Data)> events, DateTimeOffset now, CancellationToken ct)
    {
        var endpoints = await EndpointsAsync(ct);
        foreach (var e in events)
        {
            Webhook(endpoints, eventType, e.Tenant, e.ChangeId, e.Dedup, e.Data, now);
        }
    }

    /// <summary>
    /// Every active endpoint, read once per save however many events of it go out (an announce posts, asks for approvals
    /// and reports the transition); a save reads them again for the events after it.
    /// </summary>
    async Task<List<WebhookEndpoint>> EndpointsAsync(CancellationToken ct)
    {
        if (endpoints is null)
        {
            endpoints = await db.WebhookEndpoints.IgnoreQueryFilters().AsNoTracking().Where(e => e.IsActive).ToListAsync(ct);
            db.SavedChanges += ForgetEndpoints;
        }
        return endpoints;
    }

    List<WebhookEndpoint>? endpoints;

    void ForgetEndpoints(object? sender, Microsoft.EntityFrameworkCore.SavedChangesEventArgs e)
    {
        endpoints = null;
        db.SavedChanges -= ForgetEndpoints;
    }

    void Webhook(List<WebhookEndpoint> endpoints, string eventType, Guid? tenant, int? changeId, string dedup, object data, DateTimeOffset now)
    {
        string? payload = null;
        foreach (var endpoint in endpoints.Where(e => (e.TenantId == null || e.TenantId == tenant) && e.Wants(eventType)))
        {
            var key = $"webhook:{eventType}:{dedup}:{endpoint.Id}";
            ForgetOnAbandonedWrite();
            if (!queued.Add(key))
            {
                continue;
            }
            payload ??= JsonSerializer.Serialize(new { type = eventType, timestamp = now, data }, Json);
            Queue(new OutboxMessage
            {
                Id = Ids.NewV7(),
                Channel = Channels.Webhook,
                EventType = eventType,
                Recipient = endpoint.Id.ToString(),
                TenantId = endpoint.TenantId ?? tenant,
                ChangeId = changeId,
                Body = payload,
                DedupKey = key,
                CreatedAt = now,
                DueAt = now,
            });
        }
    }
}
