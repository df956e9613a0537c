using System.Security.Cryptography;
using System.Text;
using ChangeDesk.Audit;
using ChangeDesk.Data;

namespace ChangeDesk.Notifications;

public static class WebhookEvents
{
    public const string MessagePosted = "message.posted";
    public const string MessageUpdated = "message.updated";
    public const string ApprovalRequested = "approval.requested";
    public const string ApprovalReminder = "approval.reminder";
    public const string ApprovalOverdue = "approval.overdue";
    public const string ApprovalDecided = "approval.decided";
    public const string ChangeTransitioned = "change.transitioned";
    public const string SupportRequestCreated = "supportRequest.created";
    public const string SupportRequestUpdated = "supportRequest.updated";
    public const string ReleaseStarted = "release.started";
    public const string RolloutPaused = "rollout.paused";
    public const string RolloutResumed = "rollout.resumed";
    public const string RolloutExpedited = "rollout.expedited";
    public const string ReleaseCompleted = "release.completed";
    public const string Ping = "ping";

    public static readonly string[] All =
    [
        MessagePosted, MessageUpdated, ApprovalRequested, ApprovalReminder, ApprovalOverdue, ApprovalDecided, ChangeTransitioned,
        SupportRequestCreated, SupportRequestUpdated, ReleaseStarted, RolloutPaused, RolloutResumed, RolloutExpedited, ReleaseCompleted, Ping,
    ];
}

/// <summary>An HTTP endpoint that receives signed event payloads, registered by the provider or a tenant.</summary>
public sealed class WebhookEndpoint : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();

    /// <summary>Null for the provider's endpoints, which receive every tenant's events.</summary>
    public Guid? TenantId { get; init; }

    public required string Url { get; set; }
    public string Description { get; set; } = "";

    /// <summary>Event types to send; empty means all.</summary>
    public List<string> Events { get; set; } = [];

    /// <summary>"whsec_" + base64 key, as the Standard Webhooks convention has it.</summary>
    [NotAudited]
    public required string Secret { get; init; }

    public bool IsActive { get; set; } = true;
    public DateTimeOffset CreatedAt { get; init; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;

    public bool Wants(string eventType) => IsActive && (Events.Count == 0 || Events.Contains(eventType) || eventType == WebhookEvents.Ping);

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The Standard Webhooks signature: v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).</summary>
    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }
}

/// <summary>One attempt to deliver a webhook: what the endpoint answered.</summary>
public sealed class WebhookDelivery
{
    public Guid Id { get; init; } = Ids.NewV7();
    public Guid EndpointId { get; init; }
    public Guid OutboxId { get; init; }
    public Guid? TenantId { get; init; }
    public required string EventType { get; init; }
    public int Attempt { get; init; }
    public DateTimeOffset At { get; init; }
    public int? StatusCode { get; init; }
    public bool Succeeded { get; init; }
    public string? Error { get; init; }
    public long DurationMs { get; init; }
}
