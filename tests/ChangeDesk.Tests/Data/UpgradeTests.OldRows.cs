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

/// <summary>The Message Center, notification and approval rows of the oldest schema, as the first migrations stored them.</summary>
public sealed partial class UpgradeTests
{
    async Task WriteMessageCenterAsync(OldSchema db)
    {
        await Write(db, "Messages", new
        {
            Id = MessageId,
            Number = 100007,
            ChangeId = announced,
            OwnerTenantId = (Guid?)null,
            Title = "Simplified support ticket submission",
            Category = MessageCategory.PlanForChange,
            Severity = MessageSeverity.Normal,
            IsMajorChange = false,
            Services = new[] { "IT Admin Portal" },
            Tags = new[] { MessageTags.FeatureUpdate, MessageTags.UpdatedMessage },
            StartDateTime = Then.AddDays(40),
            EndDateTime = (DateTimeOffset?)Then.AddDays(42),
            ActionRequiredByDateTime = (DateTimeOffset?)null,
            CreatedDateTime = Then.AddDays(1),
            LastModifiedDateTime = Then.AddDays(2),
            BodyMarkdown = "The support form gets shorter.",
            BodyHtml = "<p>The support form gets shorter.</p>",
            Consent = "approve",
            Version = 2,
            Details = new JsonColumn("""[{"Name":"Rollout","Value":"Pilot group first"}]"""),
        });
        await Write(db, "MessageTenants", new { MessageId, TenantId = contoso, PostedAt = Then.AddDays(1) });
        await Write(db, "MessageRevisions", new
        {
            Id = Guid.NewGuid(),
            MessageId,
            Version = 1,
            ReplacedAt = Then.AddDays(2),
            ReplacedBy = "Pat Provider",
            ChangedFields = "title",
            Title = "Support form moved",
            StartDateTime = Then.AddDays(40),
            EndDateTime = (DateTimeOffset?)Then.AddDays(42),
            ActionRequiredByDateTime = (DateTimeOffset?)null,
            Category = MessageCategory.PlanForChange,
            Severity = MessageSeverity.Normal,
            BodyHtml = "<p>The support form moves.</p>",
        });
        await Write(db, "MessageViewStates", new { MessageId, UserId = contosoAdmin, TenantId = contoso, IsRead = true, IsArchived = false, IsFavorited = true });
    }

    async Task WriteNotificationsAndApprovalsAsync(OldSchema db)
    {
        await Write(db, "Outbox",
            Outbox(queuedEmail, Channels.Email, "admin@contoso.upgrade.test", "The support form gets shorter.", sentAt: null),
            Outbox(sentWebhook, Channels.Webhook, endpoint.ToString(), """{"type":"change.transitioned"}""", sentAt: Then.AddDays(1)));
        await Write(db, "NotificationPreferences", new
        {
            Id = Guid.NewGuid(),
            UserId = (Guid?)contosoAdmin,
            TenantId = (Guid?)contoso,
            Email = (string?)null,
            Mode = (int)DeliveryMode.DailyDigest,
            Categories = Array.Empty<string>(),
            Severities = Array.Empty<string>(),
            Services = Array.Empty<string>(),
            MajorChangesOnly = false,
            AllUpdates = true,
            LastDigestAt = (DateTimeOffset?)null,
        });
        await Write(db, "TenantNotificationSettings", new { TenantId = contoso, TimeZone = "Europe/Berlin", DigestTime = new TimeOnly(8, 0), WeeklyDigestDay = (int)DayOfWeek.Monday });
        await Write(db, "WebhookEndpoints", new
        {
            Id = endpoint,
            TenantId = (Guid?)contoso,
            Url = "https://hooks.contoso.example/changes",
            Description = "Change feed",
            Events = new[] { "change.transitioned" },
            Secret = "whsec_upgrade",
            IsActive = true,
            CreatedAt = Then,
        });
        await Write(db, "WebhookDeliveries", new
        {
            Id = Guid.NewGuid(),
            EndpointId = endpoint,
            OutboxId = sentWebhook,
            TenantId = (Guid?)contoso,
            EventType = "change.transitioned",
            Attempt = 1,
            At = Then.AddDays(1),
            StatusCode = (int?)200,
            Succeeded = true,
            Error = (string?)null,
            DurationMs = 12L,
        });
        await Write(db, "ChangeApprovals", new
        {
            Id = Guid.NewGuid(),
            ChangeId = announced,
            TenantId = contoso,
            Kind = (int)Consent.Approve,
            State = (int)ApprovalState.Pending,
            Deadline = (DateTimeOffset?)Then.AddDays(60),
            RequestedAt = Then.AddDays(1),
            DecidedAt = (DateTimeOffset?)null,
            DecidedById = (Guid?)null,
            DecidedByName = (string?)null,
            OnBehalfOf = (string?)null,
            Reason = (string?)null,
            RemindersSent = Array.Empty<int>(),
            EscalatedAt = (DateTimeOffset?)null,
            Version = 1,
        });
        await Write(db, "TenantApprovers", new
        {
            Id = Guid.NewGuid(),
            TenantId = contoso,
            UserId = contosoAdmin,
            DelegateUserId = (Guid?)null,
            AwayFrom = (DateTimeOffset?)null,
            AwayUntil = (DateTimeOffset?)null,
        });
    }

    object Outbox(Guid id, string channel, string recipient, string body, DateTimeOffset? sentAt) => new
    {
        Id = id,
        Channel = channel,
        EventType = "change.transitioned",
        Recipient = recipient,
        RecipientName = (string?)null,
        TenantId = (Guid?)contoso,
        ChangeId = (int?)announced,
        MessageId = (string?)MessageId,
        Subject = (string?)(channel == Channels.Email ? "[MC100007] Simplified support ticket submission" : null),
        Body = body,
        HtmlBody = (string?)null,
        DedupKey = $"upgrade:{id}",
        CreatedAt = Then.AddDays(1),
        DueAt = Then.AddDays(1),
        Attempts = sentAt is null ? 0 : 1,
        LeaseOwner = (string?)null,
        LeaseUntil = (DateTimeOffset?)null,
        SentAt = sentAt,
        DeadAt = (DateTimeOffset?)null,
        LastError = (string?)null,
    };
}
