using System.Globalization;
using System.Net;
using System.Text;
using ChangeDesk.MessageCenter;

namespace ChangeDesk.Notifications;

/// <summary>The emails ChangeDesk sends, as subject, plain text and HTML.</summary>
public static class EmailTemplates
{
    public sealed record Email(string Subject, string Text, string Html);

    static string When(DateTimeOffset? at) => at is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "—";
    static string E(string s) => WebUtility.HtmlEncode(s);

    internal static string Layout(string heading, string intro, string content, string link, string linkText, string footer) =>
        $"""
        <!doctype html><html lang="en"><body style="font-family:system-ui,Segoe UI,sans-serif;color:#1b1f24;max-width:640px">
        <h2 style="margin:0 0 .5rem">{E(heading)}</h2>
        <p>{intro}</p>
        {content}
        <p><a href="{E(link)}" style="background:#0b5cad;color:#fff;padding:.5rem 1rem;border-radius:4px;text-decoration:none">{E(linkText)}</a></p>
        <p style="color:#57606a;font-size:.85rem">{footer}</p>
        </body></html>
        """;

    public static Email MessagePost(Message m, string tenantName, string link, string preferencesLink, bool isUpdate, string? changedFields, string? answerLink = null)
    {
        var prefix = isUpdate ? "Updated: " : "";
        var subject = $"[ChangeDesk] {prefix}{m.Id}: {m.Title}" + (m.ActionRequiredByDateTime is { } by ? $" (act by {by.UtcDateTime:yyyy-MM-dd})" : "");
        var facts = new List<(string, string)>
        {
            ("Message", m.Id), ("Category", InboxCategory(m.Category)), ("Severity", m.Severity), ("Services", string.Join(", ", m.Services)),
            ("Starts", When(m.StartDateTime)), ("Act by", When(m.ActionRequiredByDateTime)),
        };
        if (m.Consent != "none")
        {
            facts.Add(("Your tenant must", $"{m.Consent} this change by {When(m.ActionRequiredByDateTime)}"));
        }
        if (isUpdate && changedFields is not null)
        {
            facts.Add(("What changed", changedFields));
        }
        var text = new StringBuilder();
        text.AppendLine(isUpdate ? $"A Message Center post for {tenantName} was updated." : $"A new Message Center post for {tenantName}.");
        text.AppendLine();
        text.AppendLine(m.Title);
        foreach (var (k, v) in facts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{k}: {v}");
        }
        text.AppendLine();
        text.AppendLine(m.BodyMarkdown);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Open it: {link}");
        if (answerLink is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Answer ({m.Consent}), sign-in required: {answerLink}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"Email preferences: {preferencesLink}");
        var table = "<table style=\"border-collapse:collapse\">" + string.Concat(facts.Select(f =>
            $"<tr><th style=\"text-align:left;padding:2px 12px 2px 0;color:#57606a\">{E(f.Item1)}</th><td>{E(f.Item2)}</td></tr>")) + "</table>";
        var answer = answerLink is null ? "" : $"<p><a href=\"{E(answerLink)}\">{E(char.ToUpperInvariant(m.Consent[0]) + m.Consent[1..])} this change</a> (you will be asked to sign in)</p>";
        var html = Layout(m.Title,
            isUpdate ? $"A Message Center post for {E(tenantName)} was updated." : $"A new Message Center post for {E(tenantName)}.",
            table + answer + $"<div style=\"border-left:3px solid #d0d7de;padding-left:1rem;margin:1rem 0\">{m.BodyHtml}</div>",
            link, "Open in ChangeDesk", $"You receive this because of your ChangeDesk email preferences: <a href=\"{E(preferencesLink)}\">change them</a>.");
        return new Email(subject, text.ToString(), html);
    }

    public static Email Digest(string tenantName, string period, IReadOnlyList<(Message Message, bool Updated, string Link)> items, string preferencesLink)
    {
        var subject = $"[ChangeDesk] {period} digest for {tenantName}: {items.Count} post(s)";
        var text = new StringBuilder($"Message Center posts for {tenantName}, {period.ToLowerInvariant()} digest.\n\n");
        foreach (var (m, updated, link) in items)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {(updated ? "[Updated] " : "")}{m.Id} {m.Title} (act by {When(m.ActionRequiredByDateTime)}) {link}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"\nEmail preferences: {preferencesLink}");
        var list = "<ul>" + string.Concat(items.Select(i =>
            $"<li>{(i.Updated ? "<strong>Updated</strong> " : "")}<a href=\"{E(i.Link)}\">{E(i.Message.Id)} {E(i.Message.Title)}</a> <span style=\"color:#57606a\">act by {E(When(i.Message.ActionRequiredByDateTime))}</span></li>")) + "</ul>";
        var html = Layout($"{period} digest for {tenantName}", $"{items.Count} new or updated post(s) since the last digest.", list,
            items[0].Link.Split("/message-center")[0] + "/message-center", "Open the Message Center",
            $"You receive this digest because of your ChangeDesk email preferences: <a href=\"{E(preferencesLink)}\">change them</a>.");
        return new Email(subject, text.ToString(), html);
    }

    public static Email ApprovalReminder(Message m, string tenantName, string kind, DateTimeOffset deadline, string link, bool overdue)
    {
        var subject = overdue
            ? $"[ChangeDesk] Overdue: {tenantName} has not {Past(kind)} {m.Id}: {m.Title}"
            : $"[ChangeDesk] Reminder: {kind} {m.Id} by {deadline.UtcDateTime:yyyy-MM-dd HH:mm} UTC";
        var intro = overdue
            ? $"The deadline to {kind} this change passed on {When(deadline)} and {tenantName} has not answered."
            : $"{tenantName} is asked to {kind} this change by {When(deadline)}.";
        var text = $"{intro}\n\n{m.Id} {m.Title}\nStarts: {When(m.StartDateTime)}\n\nAnswer here (sign-in required): {link}\n";
        var html = Layout(m.Title, E(intro), $"<p>{E(m.Id)} · starts {E(When(m.StartDateTime))}</p>", link, overdue ? "Answer now" : $"{char.ToUpperInvariant(kind[0])}{kind[1..]} the change",
            "The link needs you to sign in and expires after the change starts.");
        return new Email(subject, text, html);
    }

    public static Email ApprovalDecided(string changeNumber, string title, string tenantName, string decision, string actor, string? onBehalfOf, string? reason, string link)
    {
        var who = onBehalfOf is null ? actor : $"{actor} on behalf of {onBehalfOf}";
        var subject = $"[ChangeDesk] {tenantName} {decision} {changeNumber}: {title}";
        var text = $"{tenantName} {decision} {changeNumber} {title}.\nBy: {who}\n" + (reason is null ? "" : $"Reason: {reason}\n") + $"\nApprovals board: {link}\n";
        var html = Layout($"{tenantName} {decision} {changeNumber}", $"{E(title)}, by {E(who)}.",
            reason is null ? "" : $"<p><strong>Reason:</strong> {E(reason)}</p>", link, "Open the approvals board", "Sent to the provider's release managers.");
        return new Email(subject, text, html);
    }

    /// <summary>An alert to the provider's staff (a rollout paused, a release completed): facts, an optional table, a link.</summary>
    public static Email StaffAlert(string subject, string heading, string intro, IReadOnlyList<(string Name, string Value)> facts,
        IReadOnlyList<string[]>? table, string link, string linkText)
    {
        var text = new StringBuilder($"{intro}\n\n");
        foreach (var (k, v) in facts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{k}: {v}");
        }
        if (table is { Count: > 0 })
        {
            text.AppendLine();
            foreach (var row in table)
            {
                text.AppendLine(string.Join(" | ", row));
            }
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"\nOpen it: {link}");
        var html = "<table style=\"border-collapse:collapse\">" + string.Concat(facts.Select(f =>
            $"<tr><th style=\"text-align:left;padding:2px 12px 2px 0;color:#57606a\">{E(f.Name)}</th><td>{E(f.Value)}</td></tr>")) + "</table>";
        if (table is { Count: > 0 })
        {
            html += "<table style=\"border-collapse:collapse;margin-top:1rem\">" + string.Concat(table.Select((row, i) => "<tr>" + string.Concat(row.Select(c =>
                i == 0 ? $"<th style=\"text-align:left;padding:2px 12px 2px 0\">{E(c)}</th>" : $"<td style=\"padding:2px 12px 2px 0\">{E(c)}</td>")) + "</tr>")) + "</table>";
        }
        return new Email(subject, text.ToString(), Layout(heading, E(intro), html, link, linkText, "Sent to the provider's release managers."));
    }

    /// <summary>Asks the owner of an address an admin added whether it wants the tenant's email; nothing else goes to it before.</summary>
    public static Email AddressConfirmation(string tenantName, string address, string link, DateTimeOffset expires)
    {
        var subject = $"[ChangeDesk] Confirm that {address} should receive {tenantName}'s notices";
        var intro = $"An admin of {tenantName} asked for {address} to receive the tenant's ChangeDesk email (Message Center posts and digests). "
            + "Nothing is sent to it until you confirm.";
        var ignore = $"If you did not expect this, ignore this email: {address} then receives nothing. The link works until {When(expires)}.";
        var text = $"{intro}\n\nConfirm here: {link}\n\n{ignore}\n";
        var html = Layout("Confirm this address", E(intro), "", link, "Confirm this address", E(ignore));
        return new Email(subject, text, html);
    }

    static string Past(string kind) => kind == "approve" ? "approved" : "acknowledged";

    static string InboxCategory(string category) => category switch
    {
        MessageCategory.PlanForChange => "Plan for change",
        MessageCategory.PreventOrFixIssue => "Prevent or fix issue",
        MessageCategory.StayInformed => "Stay informed",
        _ => category,
    };
}
