using System.Text.Json;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications;

/// <summary>
/// Turns events into outbox rows (emails per recipient, payloads per webhook endpoint) in the caller's
/// transaction. Nothing is sent here: the senders deliver once the transaction has committed.
/// </summary>
public sealed class Notifier(ChangeDeskDb db, ServiceOptions service, TimeProvider clock, Approvals.ApprovalLinks links)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Recipient(string Email, string? Name, NotificationPreference Preference);

    /// <summary>People of a tenant (and its extra addresses) with their preferences; defaults where unset.</summary>
    public async Task<List<Recipient>> RecipientsAsync(Guid tenantId, CancellationToken ct)
    {
        var users = await db.Users.IgnoreQueryFilters().AsNoTracking()
            .Where(u => u.TenantId == tenantId && !u.IsDisabled)
            .Select(u => new { u.Id, u.Email, u.DisplayName }).ToListAsync(ct);
        var prefs = await db.NotificationPreferences.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.TenantId == tenantId).ToListAsync(ct);
        var byUser = prefs.Where(p => p.UserId != null).ToDictionary(p => p.UserId!.Value);
        var list = users.Select(u => new Recipient(u.Email, u.DisplayName, byUser.GetValueOrDefault(u.Id) ?? NotificationPreference.Default(u.Id, tenantId))).ToList();
        list.AddRange(prefs.Where(p => p.UserId == null && p.Email != null).Select(p => new Recipient(p.Email!, null, p)));
        return list;
    }

    public async Task MessagePostedAsync(Message message, IReadOnlyCollection<Guid> tenantIds, bool isUpdate, string? changedFields, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var requiresAction = message.Category == MessageCategory.PlanForChange || message.ActionRequiredByDateTime is not null || message.Consent != "none";
        var names = await db.Tenants.IgnoreQueryFilters().Where(t => tenantIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var eventType = isUpdate ? WebhookEvents.MessageUpdated : WebhookEvents.MessagePosted;
        foreach (var tenant in tenantIds)
        {
            var link = service.LinkTo($"/message-center/{message.Id}");
            var answer = message.Consent != "none" && message.OwnerTenantId is null && message.ChangeId is { } changeId
                ? links.LinkFor(changeId, tenant, message.StartDateTime > now ? message.StartDateTime : now.AddDays(7))
                : null;
            var email = EmailTemplates.MessagePost(message, names.GetValueOrDefault(tenant, "your tenant"), link, service.LinkTo("/account/notifications"), isUpdate, changedFields, answer);
            foreach (var r in await RecipientsAsync(tenant, ct))
            {
                if (r.Preference.Mode != DeliveryMode.Immediately
                    || !r.Preference.Wants(message.Category, message.Severity, message.Services, message.IsMajorChange, isUpdate, requiresAction))
                {
                    continue;
                }
                Email(eventType, r.Email, r.Name, tenant, message.ChangeId, message.Id, email, $"{message.Id}:v{message.Version}", now);
            }
            await WebhookAsync(eventType, tenant, message.ChangeId, $"{message.Id}:v{message.Version}:{tenant}", new
            {
                messageId = message.Id, version = message.Version, tenantId = tenant, changeId = message.ChangeId, releaseId = message.ReleaseId, title = message.Title,
                category = message.Category, severity = message.Severity, services = message.Services, tags = message.Tags,
                startDateTime = message.StartDateTime, actionRequiredByDateTime = message.ActionRequiredByDateTime, consent = message.Consent,
                changedFields, link = service.LinkTo($"/message-center/{message.Id}"),
            }, now, ct);
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
        var added = db.ChangeTracker.Entries<OutboxMessage>().Where(e => e.State == EntityState.Added).ToList();
        if (added.Count == 0)
        {
            return;
        }
        var keys = added.Select(e => e.Entity.DedupKey).ToList();
        var stored = (await db.Outbox.IgnoreQueryFilters().Where(o => keys.Contains(o.DedupKey)).Select(o => o.DedupKey).ToListAsync(ct)).ToHashSet();
        foreach (var entry in added.Where(e => stored.Contains(e.Entity.DedupKey)))
        {
            entry.State = EntityState.Detached;
        }
    }

    public void Email(string eventType, string address, string? name, Guid? tenant, int? changeId, string? messageId, EmailTemplates.Email email, string dedup, DateTimeOffset now)
    {
        var key = $"email:{eventType}:{dedup}:{address.ToLowerInvariant()}";
        if (db.Outbox.Local.Any(o => o.DedupKey == key))
        {
            return;
        }
        db.Outbox.Add(new OutboxMessage
        {
            Channel = Channels.Email, EventType = eventType, Recipient = address, RecipientName = name, TenantId = tenant, ChangeId = changeId,
            MessageId = messageId, Subject = email.Subject, Body = email.Text, HtmlBody = email.Html, DedupKey = key, CreatedAt = now, DueAt = now,
        });
    }

    /// <summary>Queues an event for every active endpoint that wants it: the tenant's own, and the provider's.</summary>
    public async Task WebhookAsync(string eventType, Guid? tenant, int? changeId, string dedup, object data, DateTimeOffset now, CancellationToken ct)
    {
        var endpoints = await db.WebhookEndpoints.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.IsActive && (e.TenantId == null || e.TenantId == tenant)).ToListAsync(ct);
        foreach (var endpoint in endpoints.Where(e => e.Wants(eventType)))
        {
            var id = Guid.CreateVersion7();
            var payload = JsonSerializer.Serialize(new { type = eventType, timestamp = now, data }, Json);
            var key = $"webhook:{eventType}:{dedup}:{endpoint.Id}";
            if (db.Outbox.Local.Any(o => o.DedupKey == key))
            {
                continue;
            }
            db.Outbox.Add(new OutboxMessage
            {
                Id = id, Channel = Channels.Webhook, EventType = eventType, Recipient = endpoint.Id.ToString(), TenantId = endpoint.TenantId ?? tenant,
                ChangeId = changeId, Body = payload, DedupKey = key, CreatedAt = now, DueAt = now,
            });
        }
    }
}
