using System.Globalization;
using System.Text;
using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Web;

namespace ChangeDesk.MessageCenter;

/// <summary>The Message Center fields of a change, before they are stored.</summary>
public sealed record MessageContent(
    string Title, string Category, string Severity, bool IsMajorChange, List<string> Services, List<string> Tags,
    DateTimeOffset StartDateTime, DateTimeOffset? EndDateTime, DateTimeOffset? ActionRequiredByDateTime,
    string BodyMarkdown, List<MessageDetail> Details, string Consent);

/// <summary>Derives a message from its change: category, tags, body and details, as the Message Center shows them.</summary>
public static class MessageComposer
{
    public sealed record Names(string TypeName, string SubtypeName, string ScopeName, string OwnerName, string WhoMustAct, string ChangeUrl);

    public static string CategoryOf(Change change) =>
        change.MessageCategory
        ?? (change.AdminActionRequired ? MessageCategory.PlanForChange
            : change.TypeKey == ChangeTypeCatalog.Functionality ? MessageCategory.StayInformed
            : MessageCategory.PreventOrFixIssue);

    public static List<string> TagsOf(Change change, bool updated)
    {
        var tags = new List<string>();
        if (change.AdminActionRequired)
        {
            tags.Add(MessageTags.AdminImpact);
        }
        tags.AddRange(change.ExtraTags.Where(t => MessageTags.Chosen.Contains(t)));
        switch (change.Subtype)
        {
            case "feature-update": tags.Add(MessageTags.FeatureUpdate); break;
            case "new-feature": tags.Add(MessageTags.NewFeature); break;
            case "deprecated-feature": tags.Add(MessageTags.Retirement); break;
        }
        if (change.IsMajorChange)
        {
            tags.Add(MessageTags.MajorUpdate);
        }
        if (updated)
        {
            tags.Add(MessageTags.UpdatedMessage);
        }
        return tags.Distinct().ToList();
    }

    public static MessageContent Compose(Change change, Names names, bool updated)
    {
        var body = new StringBuilder();
        var status = change.State switch
        {
            ChangeState.Cancelled => "**Update:** this change has been cancelled.\n\n",
            ChangeState.RolledBack => "**Update:** this change has been rolled back.\n\n",
            ChangeState.Paused => "**Update:** the rollout of this change is paused.\n\n",
            _ => "",
        };
        body.Append(status).Append(change.Description.Trim());
        if (change.AdminActionRequired && change.AdminAction is not null)
        {
            body.Append("\n\n**Action required");
            if (change.ActionRequiredBy is { } by)
            {
                body.Append(CultureInfo.InvariantCulture, $" by {by.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
            }
            body.Append(CultureInfo.InvariantCulture, $":** {change.AdminAction}");
        }
        if (change.Consent != Consent.None)
        {
            body.Append(CultureInfo.InvariantCulture, $"\n\nThis change asks each tenant to **{EnumNames.Of(change.Consent)}** it");
            body.Append(change.ActionRequiredBy is { } deadline ? $" by {deadline.UtcDateTime:yyyy-MM-dd HH:mm} UTC." : ".");
        }
        foreach (var m in change.Mitigations.OrderBy(m => m.AppliedAt))
        {
            body.Append(CultureInfo.InvariantCulture, $"\n\n**Mitigation applied {m.AppliedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC:** {m.Description}");
        }
        var details = new List<MessageDetail>
        {
            new("ChangeType", $"{names.TypeName}: {names.SubtypeName}"),
            new("Scope", names.ScopeName),
            new("Owner", names.OwnerName),
            new("WhoMustAct", names.WhoMustAct),
            new("ChangeNumber", change.Number),
            new("ExternalLink", names.ChangeUrl),
        };
        if (change.Consent != Consent.None)
        {
            details.Add(new("Consent", EnumNames.Of(change.Consent)));
        }
        if (change.IsEmergency)
        {
            details.Add(new("Emergency", "true"));
        }
        return new MessageContent(
            change.Title, CategoryOf(change), EnumNames.Of(change.Severity), change.IsMajorChange, change.Services.ToList(),
            TagsOf(change, updated), change.PlannedStart, change.PlannedEnd, change.AdminActionRequired || change.Consent != Consent.None ? change.ActionRequiredBy : null,
            body.ToString(), details, EnumNames.Of(change.Consent));
    }

    /// <summary>Who must act, in words, from the change's admin action and consent flags.</summary>
    public static string WhoMustAct(Change change) =>
        (change.AdminActionRequired, change.Consent) switch
        {
            (true, not Consent.None) => $"Tenant admins: take the action and {EnumNames.Of(change.Consent)}",
            (true, _) => "Tenant admins: take the action",
            (false, not Consent.None) => $"Tenant admins: {EnumNames.Of(change.Consent)}",
            _ => "No action required",
        };

    /// <summary>Names the fields whose value differs between two versions, in Graph's property names.</summary>
    public static List<string> ChangedFields(Message before, MessageContent after, string afterHtml)
    {
        var changed = new List<string>();
        if (before.Title != after.Title) changed.Add("title");
        if (before.Category != after.Category) changed.Add("category");
        if (before.Severity != after.Severity) changed.Add("severity");
        if (before.IsMajorChange != after.IsMajorChange) changed.Add("isMajorChange");
        if (!before.Services.SequenceEqual(after.Services)) changed.Add("services");
        if (before.StartDateTime != after.StartDateTime) changed.Add("startDateTime");
        if (before.EndDateTime != after.EndDateTime) changed.Add("endDateTime");
        if (before.ActionRequiredByDateTime != after.ActionRequiredByDateTime) changed.Add("actionRequiredByDateTime");
        if (before.BodyHtml != afterHtml) changed.Add("body");
        if (!before.Details.SequenceEqual(after.Details)) changed.Add("details");
        if (!before.Tags.Where(t => t != MessageTags.UpdatedMessage).SequenceEqual(after.Tags.Where(t => t != MessageTags.UpdatedMessage))) changed.Add("tags");
        return changed;
    }
}
