using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications;

public sealed record PreferenceInput(
    [property: MaxLength(InputBounds.Key)] string? Mode,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Key)] List<string>? Categories,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Key)] List<string>? Severities,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(100)] List<string>? Services,
    bool MajorChangesOnly, bool AllUpdates,
    [property: MaxLength(InputBounds.Address)] string? Email = null);

public sealed record PreferenceView(
    Guid? Id, string? Email, DeliveryMode Mode, IReadOnlyList<string> Categories, IReadOnlyList<string> Severities, IReadOnlyList<string> Services,
    bool MajorChangesOnly, bool AllUpdates, DateTimeOffset? LastDigestAt);

public sealed record TenantSettingsInput(
    [property: MaxLength(InputBounds.Key)] string? TimeZone, [property: MaxLength(InputBounds.Key)] string? DigestTime,
    [property: MaxLength(InputBounds.Key)] string? WeeklyDigestDay);
public sealed record TenantSettingsView(Guid TenantId, string TimeZone, string DigestTime, DayOfWeek WeeklyDigestDay);

public sealed record WebhookInput(
    [property: MaxLength(InputBounds.Url)] string? Url, [property: MaxLength(InputBounds.Text)] string? Description,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Key)] List<string>? Events);
public sealed record WebhookView(Guid Id, Guid? TenantId, string Url, string Description, IReadOnlyList<string> Events, bool IsActive, DateTimeOffset CreatedAt);
public sealed record CreatedWebhook(WebhookView Endpoint, string Secret);
public sealed record DeliveryView(Guid Id, Guid OutboxId, string EventType, int Attempt, DateTimeOffset At, int? StatusCode, bool Succeeded, string? Error, long DurationMs);

public sealed record OutboxView(
    Guid Id, string Channel, string EventType, string Recipient, string? Subject, Guid? TenantId, int? ChangeId, DateTimeOffset CreatedAt,
    DateTimeOffset DueAt, int Attempts, DateTimeOffset? SentAt, DateTimeOffset? DeadAt, string? LastError, string State);

/// <summary>Email preferences, tenant digest settings, webhook endpoints and the outbox view.</summary>
public sealed class NotificationSettings(
    ChangeDeskDb db, CurrentUser user, TimeProvider clock, OutboxStore outbox, OutboxSignal signal, WebhookAddressPolicy webhookAddresses)
{
    public async Task<PreferenceView> MyPreferenceAsync(CancellationToken ct)
    {
        var me = user.Id ?? throw new ForbiddenException("Preferences belong to a signed-in user.");
        var pref = await db.NotificationPreferences.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == me, ct) ?? NotificationPreference.Default(me, user.TenantId);
        return ToView(pref);
    }

    public async Task<PreferenceView> SetMyPreferenceAsync(PreferenceInput input, CancellationToken ct)
    {
        var me = user.Id ?? throw new ForbiddenException("Preferences belong to a signed-in user.");
        // Read and write in one transaction, which holds the write lock on both databases: a first save made twice at
        // once then finds the row the other inserted instead of inserting a second one.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var pref = await db.NotificationPreferences.FirstOrDefaultAsync(p => p.UserId == me, ct);
        if (pref is null)
        {
            pref = NotificationPreference.Default(me, user.TenantId);
            db.NotificationPreferences.Add(pref);
        }
        Apply(pref, input);
        db.AuditOperation = "Set email preferences";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return ToView(pref);
    }

    internal static void Apply(NotificationPreference pref, PreferenceInput input)
    {
        var errors = new Dictionary<string, string[]>();
        var mode = DeliveryMode.Immediately;
        if (!string.IsNullOrWhiteSpace(input.Mode) && !EnumNames.TryParse(input.Mode, out mode))
        {
            errors["mode"] = [$"Mode must be one of {EnumNames.List<DeliveryMode>()}."];
        }
        var categories = (input.Categories ?? []).Distinct().ToList();
        if (categories.Except(MessageCategory.All).Any())
        {
            errors["categories"] = [$"Categories must be among {string.Join(", ", MessageCategory.All)}."];
        }
        var severities = (input.Severities ?? []).Distinct().ToList();
        string[] allowedSeverities = [MessageSeverity.Normal, MessageSeverity.High, MessageSeverity.Critical];
        if (severities.Except(allowedSeverities).Any())
        {
            errors["severities"] = [$"Severities must be among {string.Join(", ", allowedSeverities)}."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        pref.Mode = mode;
        pref.Categories = categories;
        pref.Severities = severities;
        pref.Services = (input.Services ?? []).Select(s => s.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        pref.MajorChangesOnly = input.MajorChangesOnly;
        pref.AllUpdates = input.AllUpdates;
    }

    static PreferenceView ToView(NotificationPreference p) =>
        new(p.Id, p.Email, p.Mode, p.Categories, p.Severities, p.Services, p.MajorChangesOnly, p.AllUpdates, p.LastDigestAt);

    Guid TenantAdminTenant() =>
        user.Is(Role.TenantAdmin) && user.TenantId is { } t ? t : throw new ForbiddenException("Only a tenant admin manages the tenant's email settings.");

    public async Task<TenantSettingsView> TenantSettingsAsync(CancellationToken ct)
    {
        var tenant = user.TenantId ?? throw new ForbiddenException("Digest settings belong to a tenant.");
        var s = await db.TenantNotificationSettings.AsNoTracking().FirstOrDefaultAsync(x => x.TenantId == tenant, ct) ?? new TenantNotificationSettings { TenantId = tenant };
        return new TenantSettingsView(tenant, s.TimeZone, s.DigestTime.ToString("HH:mm"), s.WeeklyDigestDay);
    }

    public async Task<TenantSettingsView> SetTenantSettingsAsync(TenantSettingsInput input, CancellationToken ct)
    {
        var tenant = TenantAdminTenant();
        var errors = new Dictionary<string, string[]>();
        var zone = string.IsNullOrWhiteSpace(input.TimeZone) ? "UTC" : input.TimeZone.Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            errors["timeZone"] = [$"Unknown time zone '{zone}': use an IANA name such as Europe/Berlin."];
        }
        if (!TimeOnly.TryParseExact(input.DigestTime ?? "08:00", "HH:mm", out var time))
        {
            errors["digestTime"] = ["Give the digest time as HH:mm, e.g. 08:00."];
        }
        var day = DayOfWeek.Monday;
        if (!string.IsNullOrWhiteSpace(input.WeeklyDigestDay) && !Enum.TryParse(input.WeeklyDigestDay, true, out day))
        {
            errors["weeklyDigestDay"] = ["Give a day of the week, e.g. monday."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var settings = await db.TenantNotificationSettings.FirstOrDefaultAsync(x => x.TenantId == tenant, ct);
        if (settings is null)
        {
            settings = new TenantNotificationSettings { TenantId = tenant };
            db.TenantNotificationSettings.Add(settings);
        }
        settings.TimeZone = zone;
        settings.DigestTime = time;
        settings.WeeklyDigestDay = day;
        db.AuditOperation = "Set digest settings";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await TenantSettingsAsync(ct);
    }

    // Webhooks

    bool CanManageWebhooks => user.Is(Role.ProviderAdmin, Role.TenantAdmin);

    public async Task<List<WebhookView>> WebhooksAsync(CancellationToken ct)
    {
        EnsureWebhookRights();
        var query = db.WebhookEndpoints.AsNoTracking();
        if (!user.IsProvider)
        {
            query = query.Where(w => w.TenantId == user.TenantId);
        }
        return (await query.OrderBy(w => w.CreatedAt).ToListAsync(ct)).Select(ToView).ToList();
    }

    public async Task<CreatedWebhook> AddWebhookAsync(WebhookInput input, CancellationToken ct)
    {
        EnsureWebhookRights();
        var errors = new Dictionary<string, string[]>();
        if (!Uri.TryCreate(input.Url?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors["url"] = ["Give an absolute http or https URL."];
        }
        else if ((webhookAddresses.UrlRefusal(url) ?? await ResolvedRefusalAsync(url, ct)) is { } refusal)
        {
            errors["url"] = [refusal];
        }
        var events = (input.Events ?? []).Distinct().ToList();
        if (events.Except(WebhookEvents.All).Any())
        {
            errors["events"] = [$"Events must be among {string.Join(", ", WebhookEvents.All)} (none means all)."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        var endpoint = new WebhookEndpoint
        {
            TenantId = user.IsProvider ? null : user.TenantId, Url = url!.ToString(), Description = input.Description?.Trim() ?? "", Events = events,
            Secret = WebhookEndpoint.NewSecret(), CreatedAt = clock.GetUtcNow(),
        };
        db.WebhookEndpoints.Add(endpoint);
        db.AuditOperation = "Register webhook";
        await db.SaveChangesAsync(ct);
        return new CreatedWebhook(ToView(endpoint), endpoint.Secret);
    }

    /// <summary>
    /// A name that resolves to a forbidden address now is refused at once; one that does not resolve yet is accepted.
    /// Either way every delivery resolves and checks it again in its connection.
    /// </summary>
    async Task<string?> ResolvedRefusalAsync(Uri url, CancellationToken ct)
    {
        if (url.HostNameType != UriHostNameType.Dns)
        {
            return null;
        }
        System.Net.IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await System.Net.Dns.GetHostAddressesAsync(url.IdnHost, timeout.Token);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
        return addresses.Select(webhookAddresses.Refusal).FirstOrDefault(r => r is not null) is { } kind ? WebhookAddressPolicy.AddressMessage(kind) : null;
    }

    public async Task RemoveWebhookAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await OwnEndpointAsync(id, ct);
        db.WebhookEndpoints.Remove(endpoint);
        db.AuditOperation = "Delete webhook";
        await db.SaveChangesAsync(ct);
    }

    public async Task SendTestAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await OwnEndpointAsync(id, ct);
        var now = clock.GetUtcNow();
        var payload = System.Text.Json.JsonSerializer.Serialize(new { type = WebhookEvents.Ping, timestamp = now, data = new { endpointId = endpoint.Id, message = "Test event from ChangeDesk" } },
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        db.Outbox.Add(new OutboxMessage
        {
            Channel = Channels.Webhook, EventType = WebhookEvents.Ping, Recipient = endpoint.Id.ToString(), TenantId = endpoint.TenantId,
            Body = payload, DedupKey = $"webhook:ping:{Guid.NewGuid():n}", CreatedAt = now, DueAt = now,
        });
        await db.SaveChangesAsync(ct);
    }

    public async Task<List<DeliveryView>> DeliveriesAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await OwnEndpointAsync(id, ct);
        return await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpoint.Id).OrderByDescending(d => d.At).Take(100)
            .Select(d => new DeliveryView(d.Id, d.OutboxId, d.EventType, d.Attempt, d.At, d.StatusCode, d.Succeeded, d.Error, d.DurationMs)).ToListAsync(ct);
    }

    async Task<WebhookEndpoint> OwnEndpointAsync(Guid id, CancellationToken ct)
    {
        EnsureWebhookRights();
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException("Webhook", id);
        if (!user.IsProvider && endpoint.TenantId != user.TenantId)
        {
            throw new NotFoundException("Webhook", id);
        }
        return endpoint;
    }

    void EnsureWebhookRights()
    {
        if (!CanManageWebhooks)
        {
            throw new ForbiddenException("Only provider admins and tenant admins manage webhooks.");
        }
    }

    static WebhookView ToView(WebhookEndpoint w) => new(w.Id, w.TenantId, w.Url, w.Description, w.Events, w.IsActive, w.CreatedAt);

    // Outbox (provider admins)

    public async Task<List<OutboxView>> OutboxAsync(string? state, string? channel, int top, CancellationToken ct)
    {
        if (!user.Is(Role.ProviderAdmin))
        {
            throw new ForbiddenException("Only provider admins see the outbox.");
        }
        var query = db.Outbox.AsNoTracking();
        query = (state ?? "all").ToLowerInvariant() switch
        {
            "dead" => query.Where(o => o.DeadAt != null),
            "pending" => query.Where(o => o.SentAt == null && o.DeadAt == null),
            "sent" => query.Where(o => o.SentAt != null),
            "all" => query,
            _ => throw ValidationFailedException.For("state", "State must be pending, sent, dead or all."),
        };
        if (!string.IsNullOrWhiteSpace(channel))
        {
            query = query.Where(o => o.Channel == channel);
        }
        return await query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(Math.Clamp(top, 1, 1000))
            .Select(o => new OutboxView(o.Id, o.Channel, o.EventType, o.Recipient, o.Subject, o.TenantId, o.ChangeId, o.CreatedAt, o.DueAt, o.Attempts,
                o.SentAt, o.DeadAt, o.LastError, o.SentAt != null ? "sent" : o.DeadAt != null ? "dead" : "pending"))
            .ToListAsync(ct);
    }

    public async Task<OutboxMessage> OutboxMessageAsync(Guid id, CancellationToken ct)
    {
        if (!user.Is(Role.ProviderAdmin))
        {
            throw new ForbiddenException("Only provider admins see the outbox.");
        }
        return await db.Outbox.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundException("Outbox message", id);
    }

    public async Task RetryAsync(Guid id, CancellationToken ct)
    {
        if (!user.Is(Role.ProviderAdmin))
        {
            throw new ForbiddenException("Only provider admins retry deliveries.");
        }
        if (!await outbox.RetryAsync(id, ct))
        {
            if (await db.Outbox.AnyAsync(o => o.Id == id && o.SentAt == null, ct))
            {
                throw new ConflictException("outbox-in-flight", "A sender is delivering this message right now; retry it if that attempt fails.");
            }
            throw new NotFoundException("Unsent outbox message", id);
        }
        signal.Notify();
    }
}
