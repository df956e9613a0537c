using ChangeDesk.Responsibility;
using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Changes;

/// <summary>What a user submits to create or edit a change. Enum-like values are names, validated here.</summary>
public sealed record ChangeInput
{
    [MaxLength(InputBounds.Name)] public string? Title { get; init; }
    [MaxLength(50_000)] public string? Description { get; init; }
    [MaxLength(InputBounds.Key)] public string? Type { get; init; }
    [MaxLength(InputBounds.Key)] public string? Subtype { get; init; }
    [MaxLength(InputBounds.Key)] public string? Scope { get; init; }
    public bool TargetsAllTenants { get; init; }
    [MaxLength(InputBounds.BulkItems)] public List<Guid>? TargetTenantIds { get; init; }
    [MaxLength(InputBounds.ListItems), ItemMaxLength(100)] public List<string>? Services { get; init; }
    public bool AdminActionRequired { get; init; }
    [MaxLength(InputBounds.Text)] public string? AdminAction { get; init; }

    /// <summary>none, acknowledge or approve.</summary>
    [MaxLength(InputBounds.Key)] public string? Consent { get; init; }

    public DateTimeOffset? ActionRequiredBy { get; init; }
    public DateTimeOffset? PlannedStart { get; init; }
    public DateTimeOffset? PlannedEnd { get; init; }
    public bool IsEmergency { get; init; }

    /// <summary>normal, high or critical.</summary>
    [MaxLength(InputBounds.Key)] public string? Severity { get; init; }

    public bool IsMajorChange { get; init; }

    /// <summary>Message Center category (planForChange, preventOrFixIssue, stayInformed); derived when empty.</summary>
    [MaxLength(InputBounds.Key)] public string? Category { get; init; }

    /// <summary>Message Center tags to add: "User impact", "Data privacy".</summary>
    [MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Name)] public List<string>? Tags { get; init; }

    public sealed record Valid(
        string Title, string Description, ChangeType Type, string Subtype, Scope Scope, bool TargetsAllTenants,
        List<Guid> TargetTenantIds, List<string> Services, bool AdminActionRequired, string? AdminAction, Consent Consent,
        DateTimeOffset? ActionRequiredBy, DateTimeOffset PlannedStart, DateTimeOffset? PlannedEnd, bool IsEmergency,
        Severity Severity, bool IsMajorChange, string? Category, List<string> Tags);

    /// <summary>Checks every field and reports all problems at once, keyed by field name.</summary>
    public Valid Validate(IReadOnlyDictionary<string, ChangeType> types, bool customerOwned)
    {
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }
            list.Add(message);
        }

        var title = Title?.Trim() ?? "";
        if (title.Length == 0)
        {
            Error("title", "A title is required.");
        }
        else if (title.Length > 200)
        {
            Error("title", "The title must be 200 characters or fewer.");
        }
        if ((Description?.Length ?? 0) > 50_000)
        {
            Error("description", "The description must be 50,000 characters or fewer.");
        }

        ChangeType? type = null;
        if (string.IsNullOrWhiteSpace(Type))
        {
            Error("type", $"A change type is required: one of {string.Join(", ", types.Keys)}.");
        }
        else if (!types.TryGetValue(Type.Trim().ToLowerInvariant(), out type))
        {
            Error("type", $"Unknown change type '{Type}': use one of {string.Join(", ", types.Keys)}.");
        }
        var subtype = Subtype?.Trim().ToLowerInvariant();
        if (type is not null)
        {
            var allowed = type.Subtypes.Select(s => s.Key).ToList();
            if (string.IsNullOrEmpty(subtype) && allowed.Count == 1)
            {
                subtype = allowed[0];
            }
            else if (!allowed.Contains(subtype ?? ""))
            {
                Error("subtype", $"Subtype must be one of {string.Join(", ", allowed)} for type {type.Key}.");
            }
        }

        var scope = default(Scope);
        if (!EnumNames.TryParse(Scope, out scope))
        {
            Error("scope", $"Scope must be one of {EnumNames.List<Scope>()}.");
        }

        var consent = ChangeDesk.Changes.Consent.None;
        if (!string.IsNullOrWhiteSpace(Consent) && !EnumNames.TryParse(Consent, out consent))
        {
            Error("consent", $"Consent must be one of {EnumNames.List<Consent>()}.");
        }
        var severity = ChangeDesk.Changes.Severity.Normal;
        if (!string.IsNullOrWhiteSpace(Severity) && !EnumNames.TryParse(Severity, out severity))
        {
            Error("severity", $"Severity must be one of {EnumNames.List<Severity>()}.");
        }

        var adminAction = string.IsNullOrWhiteSpace(AdminAction) ? null : AdminAction.Trim();
        if (AdminActionRequired && adminAction is null)
        {
            Error("adminAction", "Describe the action administrators must take when admin action is required.");
        }

        if (PlannedStart is null)
        {
            Error("plannedStart", "A planned start is required.");
        }
        if (PlannedEnd is { } end && PlannedStart is { } start && end < start)
        {
            Error("plannedEnd", "The planned end must not be before the planned start.");
        }
        if (consent != ChangeDesk.Changes.Consent.None && ActionRequiredBy is null)
        {
            Error("actionRequiredBy", $"A change that asks tenants to {consent.ToString().ToLowerInvariant()} needs an action-required-by date.");
        }
        if (ActionRequiredBy is { } by && PlannedStart is { } s2 && by > s2)
        {
            Error("actionRequiredBy", "The action-required-by date must not be after the planned start.");
        }

        var targets = (TargetTenantIds ?? []).Distinct().ToList();
        if (!customerOwned && !TargetsAllTenants && targets.Count == 0)
        {
            Error("targetTenantIds", "Target all tenants or name at least one tenant.");
        }

        var services = (Services ?? []).Select(x => x.Trim()).Where(x => x.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (services.Any(x => x.Length > 100))
        {
            Error("services", "Each service name must be 100 characters or fewer.");
        }

        string? category = null;
        if (!string.IsNullOrWhiteSpace(Category))
        {
            category = MessageCenter.MessageCategory.All.FirstOrDefault(c => string.Equals(c, Category.Trim(), StringComparison.OrdinalIgnoreCase));
            if (category is null)
            {
                Error("category", $"Category must be one of {string.Join(", ", MessageCenter.MessageCategory.All)}, or empty to derive it.");
            }
        }
        var tags = new List<string>();
        foreach (var tag in Tags ?? [])
        {
            var known = MessageCenter.MessageTags.Chosen.FirstOrDefault(t => string.Equals(t, tag?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                Error("tags", $"'{tag}' cannot be chosen: choose from {string.Join(", ", MessageCenter.MessageTags.Chosen)}; the other tags are derived from the change.");
            }
            else if (!tags.Contains(known))
            {
                tags.Add(known);
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
        return new Valid(title, Description ?? "", type!, subtype!, scope, !customerOwned && TargetsAllTenants,
            customerOwned ? [] : TargetsAllTenants ? [] : targets, services, AdminActionRequired, AdminActionRequired ? adminAction : null,
            consent, ActionRequiredBy?.ToUniversalTime(), PlannedStart!.Value.ToUniversalTime(), PlannedEnd?.ToUniversalTime(),
            IsEmergency, severity, IsMajorChange, category, tags);
    }
}
