using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Support;

public sealed record SupportContact(string Name, string Email, string? Phone);

public sealed record SupportRequestSummary(
    Guid Id, string Number, Guid TenantId, string TenantName, string Title, SupportSeverity Severity, SupportState State, int AffectedUsers,
    int? ChangeId, Guid? ReleaseId, Guid? AssigneeId, string? AssigneeName, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset FirstResponseDueAt, DateTimeOffset? FirstResponseAt, bool FirstResponseBreached);

public sealed record SupportCommentView(
    Guid Id, string Author, Party AuthorParty, bool IsInternal, string Body, string BodyHtml, DateTimeOffset CreatedAt);

public sealed record SupportAttachmentView(
    Guid Id, string FileName, string ContentType, long Size, string UploadedBy, Party UploadedByParty, DateTimeOffset UploadedAt, string Url);

public sealed record SupportRequestView(
    Guid Id, string Number, Guid TenantId, string TenantName, string Title, string Description, string DescriptionHtml,
    SupportSeverity Severity, SupportState State, int AffectedUsers, int? ChangeId, string? ChangeNumber, string? ChangeTitle, Guid? ReleaseId, string? ReleaseTitle,
    SupportContact Contact, string CreatedBy, Guid? AssigneeId, string? AssigneeName,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset FirstResponseDueAt, DateTimeOffset? FirstResponseAt, bool FirstResponseBreached,
    DateTimeOffset? ResolvedAt, DateTimeOffset? ClosedAt, int Version,
    IReadOnlyList<SupportAction> AllowedActions, bool CanComment, bool CanAddInternalNote, bool CanAssign,
    IReadOnlyList<SupportCommentView> Comments, IReadOnlyList<SupportAttachmentView> Attachments) : ITagged
{
    public string ETag => EntityTags.Of(Version);
}

/// <summary>
/// List filters. <c>State</c>: one state, several comma-separated, or <c>open</c> (new, in progress, waiting on
/// the customer). <c>Assignee</c>: a user id, <c>me</c> or <c>unassigned</c>.
/// </summary>
public sealed record SupportFilter(
    string? State = null, string? Severity = null, Guid? TenantId = null, int? ChangeId = null, Guid? ReleaseId = null,
    string? Assignee = null, bool? Breached = null, string? Q = null, int Skip = 0, int Top = 50);

public sealed record SupportRequestPage(IReadOnlyList<SupportRequestSummary> Items, int Total, int Skip, int Top);

public sealed record SupportEngineerView(Guid Id, string Name, string Email);

public sealed record CommentInput([property: MaxLength(InputBounds.Markdown)] string? Body, bool Internal = false);

public sealed record TransitionInput([property: MaxLength(InputBounds.Markdown)] string? Comment);

public sealed record AssignInput(Guid? AssigneeId, [property: MaxLength(InputBounds.Address)] string? AssigneeEmail);
