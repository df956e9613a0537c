using ChangeDesk.Audit;
using ChangeDesk.Data;

namespace ChangeDesk.MessageCenter;

/// <summary>Graph's serviceUpdateCategory values.</summary>
public static class MessageCategory
{
    public const string PlanForChange = "planForChange";
    public const string PreventOrFixIssue = "preventOrFixIssue";
    public const string StayInformed = "stayInformed";
    public static readonly string[] All = [PlanForChange, PreventOrFixIssue, StayInformed];
}

/// <summary>Graph's serviceUpdateSeverity values.</summary>
public static class MessageSeverity
{
    public const string Normal = "normal";
    public const string High = "high";
    public const string Critical = "critical";
}

public static class MessageTags
{
    public const string AdminImpact = "Admin impact";
    public const string UserImpact = "User impact";
    public const string FeatureUpdate = "Feature update";
    public const string NewFeature = "New feature";
    public const string Retirement = "Retirement";
    public const string DataPrivacy = "Data privacy";
    public const string MajorUpdate = "Major update";
    public const string UpdatedMessage = "Updated message";

    /// <summary>Tags an author may add; the others are derived from the change.</summary>
    public static readonly string[] Chosen = [UserImpact, DataPrivacy];

    public static readonly string[] All = [AdminImpact, UserImpact, FeatureUpdate, NewFeature, Retirement, DataPrivacy, MajorUpdate, UpdatedMessage];
}

public sealed record MessageDetail(string Name, string Value);

/// <summary>
/// A Message Center post: of one announced change, shared by every tenant it targets, or of a release (its
/// schedule, start, advisories and summary). Its id ("MC" + number) is the same for every tenant it is posted to.
/// </summary>
public sealed class Message : IAudited
{
    public required string Id { get; init; }
    public int Number { get; init; }

    /// <summary>The change this post announces; null for a release's post.</summary>
    public int? ChangeId { get; init; }

    /// <summary>The release this post is about; null for a change's post.</summary>
    public Guid? ReleaseId { get; init; }

    /// <summary>Set for a customer's own change; null for the provider's messages.</summary>
    public Guid? OwnerTenantId { get; init; }

    public required string Title { get; set; }
    public required string Category { get; set; }
    public required string Severity { get; set; }
    public bool IsMajorChange { get; set; }
    public List<string> Services { get; set; } = [];
    public List<string> Tags { get; set; } = [];
    public DateTimeOffset StartDateTime { get; set; }
    public DateTimeOffset? EndDateTime { get; set; }
    public DateTimeOffset? ActionRequiredByDateTime { get; set; }
    public DateTimeOffset CreatedDateTime { get; init; }
    public DateTimeOffset LastModifiedDateTime { get; set; }
    public string BodyMarkdown { get; set; } = "";
    public string BodyHtml { get; set; } = "";
    public List<MessageDetail> Details { get; set; } = [];

    /// <summary>Whether the change asks tenants to acknowledge or approve ("none", "acknowledge", "approve").</summary>
    public string Consent { get; set; } = "none";

    public int Version { get; set; } = 1;
    public List<MessageTenant> Tenants { get; set; } = [];
    public List<MessageRevision> Revisions { get; set; } = [];

    Guid? IAudited.AuditTenantId => OwnerTenantId;
    int? IAudited.AuditChangeId => ChangeId;
}

/// <summary>That a message is posted to a tenant's Message Center.</summary>
public sealed class MessageTenant
{
    public required string MessageId { get; init; }
    public Guid TenantId { get; init; }
    public DateTimeOffset PostedAt { get; init; }

    /// <summary>
    /// The message's <see cref="Message.LastModifiedDateTime"/>, kept in step by <see cref="MessagePublisher"/>: with the
    /// tenant it indexes a tenant's Message Center newest first, so a page of it is read without sorting all its messages.
    /// </summary>
    public DateTimeOffset LastModifiedDateTime { get; set; }
}

/// <summary>A message as posted to one tenant: what the Message Center lists are queried over.</summary>
public sealed class PostedMessage
{
    public required MessageTenant Posting { get; init; }
    public required Message Message { get; init; }
}

/// <summary>A superseded version of a message, kept so tenants can see what changed and when.</summary>
public sealed class MessageRevision
{
    public Guid Id { get; init; } = Ids.NewV7();
    public required string MessageId { get; init; }
    public int Version { get; init; }
    public DateTimeOffset ReplacedAt { get; init; }
    public required string ReplacedBy { get; init; }

    /// <summary>The fields that changed in the version that replaced this one, e.g. "startDateTime, body".</summary>
    public required string ChangedFields { get; init; }

    public required string Title { get; init; }
    public DateTimeOffset StartDateTime { get; init; }
    public DateTimeOffset? EndDateTime { get; init; }
    public DateTimeOffset? ActionRequiredByDateTime { get; init; }
    public required string Category { get; init; }
    public required string Severity { get; init; }
    public string BodyHtml { get; init; } = "";
}

/// <summary>One user's view of one message: read, archived, favorited.</summary>
public sealed class MessageViewState
{
    public required string MessageId { get; init; }
    public Guid UserId { get; init; }
    public Guid TenantId { get; init; }
    public bool IsRead { get; set; }
    public bool IsArchived { get; set; }
    public bool IsFavorited { get; set; }
}
