using ChangeDesk.Data;
namespace ChangeDesk.Notifications;

public static class Channels
{
    public const string Email = "email";
    public const string Webhook = "webhook";
}

/// <summary>
/// Something to deliver (an email to one address, an event to one webhook endpoint), written in the same
/// transaction as the change that caused it. Senders claim rows with a lease, so several instances can run at
/// once; a row is marked sent as soon as it is accepted (a crash between the two resends it with the same
/// Message-ID), retried with backoff otherwise, and parked as
/// a dead letter after the retry limit.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; init; } = Ids.NewV7();
    public required string Channel { get; init; }
    public required string EventType { get; init; }

    /// <summary>An email address, or a webhook endpoint id.</summary>
    public required string Recipient { get; init; }

    public string? RecipientName { get; init; }
    public Guid? TenantId { get; init; }
    public int? ChangeId { get; init; }
    public string? MessageId { get; init; }
    public string? Subject { get; init; }

    /// <summary>
    /// The JSON payload of a webhook. Empty for an email, whose body is its <see cref="ContentId"/>; an email queued before
    /// contents existed has its plain-text body here (and <see cref="HtmlBody"/>).
    /// </summary>
    public required string Body { get; init; }

    public string? HtmlBody { get; init; }

    /// <summary>The body of an email, shared by every recipient who gets the same text (the people of one tenant).</summary>
    public Guid? ContentId { get; init; }

    /// <summary>One row per event and recipient: enqueueing the same thing twice is a no-op.</summary>
    public required string DedupKey { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset DueAt { get; set; }
    public int Attempts { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? DeadAt { get; set; }
    public string? LastError { get; set; }

    /// <summary>The Message-ID header: stable across retries, so a resend is recognisable.</summary>
    public string EmailMessageId => $"{Id:n}@changedesk";
}

/// <summary>
/// An email's body as rendered when the email was queued, stored once for all its recipients. It never changes: an
/// edit of the message later queues new content, so each recipient gets the text of the version they were sent.
/// </summary>
public sealed class EmailContent
{
    public Guid Id { get; init; } = Ids.NewV7();
    public required string Text { get; init; }
    public string? Html { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
