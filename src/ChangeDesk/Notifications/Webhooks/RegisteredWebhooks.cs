using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Notifications.Webhooks;

public sealed record WebhookInput(
    [property: MaxLength(InputBounds.Url)] string? Url, [property: MaxLength(InputBounds.Text)] string? Description,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Key)] List<string>? Events);

public sealed record WebhookView(Guid Id, Guid? TenantId, string Url, string Description, IReadOnlyList<string> Events, bool IsActive, DateTimeOffset CreatedAt)
{
    public static WebhookView Of(WebhookEndpoint w) => new(w.Id, w.TenantId, w.Url, w.Description, w.Events, w.IsActive, w.CreatedAt);
}

public sealed record CreatedWebhook(WebhookView Endpoint, string Secret);

public sealed record DeliveryView(Guid Id, Guid OutboxId, string EventType, int Attempt, DateTimeOffset At, int? StatusCode, bool Succeeded, string? Error, long DurationMs);

/// <summary>
/// The webhook endpoints of the caller's tenant (or the provider's, for provider admins): registering one, removing
/// it, queuing a test event and reading its delivery log. Provider admins and tenant admins only.
/// </summary>
public sealed class RegisteredWebhooks(ChangeDeskDb db, CurrentUser user, TimeProvider clock, WebhookAddressPolicy webhookAddresses)
{
    public async Task<List<WebhookView>> ListAsync(CancellationToken ct)
    {
        EnsureRights();
        var query = db.WebhookEndpoints.AsNoTracking();
        if (!user.IsProvider)
        {
            query = query.Where(w => w.TenantId == user.TenantId);
        }
        return (await query.OrderBy(w => w.CreatedAt).ToListAsync(ct)).Select(WebhookView.Of).ToList();
    }

    public async Task<CreatedWebhook> AddAsync(WebhookInput input, CancellationToken ct)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        EnsureRights();
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
            TenantId = user.IsProvider ? null : user.TenantId,
            Url = url!.ToString(),
            Description = input.Description?.Trim() ?? "",
            Events = events,
            Secret = WebhookEndpoint.NewSecret(),
            CreatedAt = clock.GetUtcNow(),
        };
        await db.WriteAsync("Register webhook", () =>
        {
            db.WebhookEndpoints.Add(endpoint);
            return Task.CompletedTask;
        }, ct);
        return new CreatedWebhook(WebhookView.Of(endpoint), endpoint.Secret);
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

    public Task RemoveAsync(Guid id, CancellationToken ct) =>
        db.WriteAsync("Delete webhook", async () => db.WebhookEndpoints.Remove(await OwnEndpointAsync(id, ct)), ct);

    static readonly System.Text.Json.JsonSerializerOptions PingJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    public Task SendTestAsync(Guid id, CancellationToken ct) => db.WriteAsync("Send test webhook", async () =>
    {
        var endpoint = await OwnEndpointAsync(id, ct);
        var now = clock.GetUtcNow();
        var payload = System.Text.Json.JsonSerializer.Serialize(new { type = WebhookEvents.Ping, timestamp = now, data = new { endpointId = endpoint.Id, message = "Test event from ChangeDesk" } },
            PingJson);
        db.Outbox.Add(new OutboxMessage
        {
            Channel = Channels.Webhook,
            EventType = WebhookEvents.Ping,
            Recipient = endpoint.Id.ToString(),
            TenantId = endpoint.TenantId,
            Body = payload,
            DedupKey = $"webhook:ping:{Guid.NewGuid():n}",
            CreatedAt = now,
            DueAt = now,
        });
    }, ct);

    public async Task<List<DeliveryView>> DeliveriesAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await OwnEndpointAsync(id, ct);
        return await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpoint.Id).OrderByDescending(d => d.At).Take(100)
            .Select(d => new DeliveryView(d.Id, d.OutboxId, d.EventType, d.Attempt, d.At, d.StatusCode, d.Succeeded, d.Error, d.DurationMs)).ToListAsync(ct);
    }

    async Task<WebhookEndpoint> OwnEndpointAsync(Guid id, CancellationToken ct)
    {
        EnsureRights();
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException("Webhook", id);
        if (!user.IsProvider && endpoint.TenantId != user.TenantId)
        {
            throw new NotFoundException("Webhook", id);
        }
        return endpoint;
    }

    void EnsureRights()
    {
        if (!user.Is(Role.ProviderAdmin, Role.TenantAdmin))
        {
            throw new ForbiddenException("Only provider admins and tenant admins manage webhooks.");
        }
    }
}
