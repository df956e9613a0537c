using ChangeDesk.Responsibility;
using ChangeDesk.Web;

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

public sealed record SupportRequestPage(IReadOnlyList<SupportRequestSummary> Items, int Total, int Skip, int Top);

public sealed record SupportEngineerView(Guid Id, string Name, string Email);
