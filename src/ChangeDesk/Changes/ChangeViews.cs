using ChangeDesk.Responsibility;
using ChangeDesk.Web;

namespace ChangeDesk.Changes;

public sealed record ChangeSummary(
    int Id, string Number, string Title, string Type, string Subtype, Scope Scope, ChangeState State, Severity Severity,
    bool IsEmergency, bool IsMajorChange, bool AdminActionRequired, Party OwnerParty, Guid? OwnerTenantId,
    DateTimeOffset PlannedStart, DateTimeOffset? PlannedEnd, DateTimeOffset UpdatedAt);

public sealed record MitigationView(Guid Id, string Description, DateTimeOffset AppliedAt, DateTimeOffset RecordedAt);

public sealed record TaskView(
    Guid Id, Phase Phase, Party Party, Guid? TenantId, string? TenantName, string Text,
    DateTimeOffset? CompletedAt, string? CompletedBy, bool CanComplete);

public sealed record ChangeView(
    int Id, string Number, string Title, string Description, string DescriptionHtml, string Type, string Subtype, Scope Scope,
    Party OwnerParty, Guid? OwnerTenantId, bool TargetsAllTenants, IReadOnlyList<Guid> TargetTenantIds, IReadOnlyList<string> Services,
    bool AdminActionRequired, string? AdminAction, Consent Consent, DateTimeOffset? ActionRequiredBy,
    DateTimeOffset PlannedStart, DateTimeOffset? PlannedEnd, bool IsEmergency, Severity Severity, bool IsMajorChange,
    ChangeState State, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? AnnouncedAt,
    IReadOnlyList<ChangeAction> AllowedActions, bool CanEdit, IReadOnlyList<MitigationView> Mitigations, IReadOnlyList<TaskView> Checklist,
    string? Category, IReadOnlyList<string> Tags, string? MessageId) : ITagged
{
    public string ETag => EntityTags.Of(Version);
}

public sealed record ChangeFilter(string? State = null, string? Type = null, string? Scope = null, string? Q = null, Guid? TenantId = null, int Skip = 0, int Top = 50);

public sealed record ChangePage(IReadOnlyList<ChangeSummary> Items, int Total, int Skip, int Top);
