using System.Globalization;
using System.Net;
using System.Text;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// Who hears about what happens to a support request, queued in the caller's transaction through the outbox:
/// support engineers get each new severity A or B request; the requester (the contact, and the person who filed
/// it) gets the provider's public comments and every change of state; the assignee gets the customer's
/// comments, closes and reopens, and being assigned by someone else. Webhooks get <c>supportRequest.created</c>
/// and <c>supportRequest.updated</c>. Internal notes notify nobody.
/// </summary>
public sealed class SupportNotifications(ChangeDeskDb db, Notifier notifier, ServiceOptions service, MarkdownRenderer markdown, CurrentUser user)
{
    public async Task FiledAsync(SupportRequest request, DateTimeOffset now, CancellationToken ct)
    {
        var tenantName = await TenantNameAsync(request, ct);
        if (request.Severity is SupportSeverity.A or SupportSeverity.B)
        {
            var engineers = await db.Users.IgnoreQueryFilters().AsNoTracking()
                .Where(u => u.TenantId == null && u.Role == Role.SupportEngineer && !u.IsDisabled)
                .Select(u => new { u.Email, u.DisplayName }).ToListAsync(ct);
            var email = SupportEmails.Filed(request, tenantName, await ChangeLabelAsync(request, ct), markdown.ToHtml(request.Description), Link(request));
            foreach (var e in engineers)
            {
                notifier.Email(WebhookEvents.SupportRequestCreated, e.Email, e.DisplayName, null, null, null, email, request.Reference, now);
            }
        }
        await WebhookAsync(WebhookEvents.SupportRequestCreated, request, "created", null, request.Reference, now, ct);
    }

    public async Task CommentedAsync(SupportRequest request, SupportComment comment, SupportState before, DateTimeOffset now, CancellationToken ct)
    {
        var tenantName = await TenantNameAsync(request, ct);
        var dedup = $"{request.Reference}:comment:{comment.Id}";
        if (comment.AuthorParty == Party.Provider)
        {
            var email = SupportEmails.Update(request, tenantName, $"New comment from {comment.AuthorName}",
                $"{comment.AuthorName} of the provider's support team commented on your request.", comment, markdown.ToHtml(comment.Body), Link(request));
            await ToRequesterAsync(request, email, dedup, now, ct);
        }
        else
        {
            var intro = before != request.State
                ? $"{comment.AuthorName} answered; the request is back in progress."
                : $"{comment.AuthorName} ({tenantName}) commented.";
            await ToAssigneeAsync(request, SupportEmails.Update(request, tenantName, $"{tenantName} commented", intro, comment, markdown.ToHtml(comment.Body), Link(request)), dedup, now, ct);
        }
        await WebhookAsync(WebhookEvents.SupportRequestUpdated, request, "commented", comment, dedup, now, ct);
    }

    public async Task TransitionedAsync(
        SupportRequest request, SupportAction action, SupportState before, SupportComment? comment, DateTimeOffset now, CancellationToken ct, bool automatic = false)
    {
        var tenantName = await TenantNameAsync(request, ct);
        var dedup = $"{request.Reference}:v{request.Version}";
        var commentHtml = comment is null ? null : markdown.ToHtml(comment.Body);
        var heading = request.State switch
        {
            SupportState.InProgress when before == SupportState.New => "Work has started",
            SupportState.InProgress => action == SupportAction.Reopen ? "Reopened" : "Back in progress",
            SupportState.WaitingOnCustomer => "Waiting on you",
            SupportState.Resolved => "Resolved",
            SupportState.Closed => automatic ? "Closed automatically" : "Closed",
            _ => EnumNames.Of(request.State),
        };
        if (SupportStateMachine.TakenBy(action) == Party.Provider || automatic)
        {
            var intro = request.State switch
            {
                SupportState.WaitingOnCustomer => $"{user.Name} needs more information from you: answer with a comment and the request goes back to the support team.",
                SupportState.Resolved => $"{user.Name} resolved your request. Close it if the problem is fixed, or reopen it if it is not.",
                SupportState.Closed => "The request was resolved and nobody reopened it, so it is now closed.",
                _ => $"{user.Name} of the provider's support team is working on your request.",
            };
            await ToRequesterAsync(request, SupportEmails.Update(request, tenantName, heading, intro, comment, commentHtml, Link(request)), dedup, now, ct);
        }
        else
        {
            var intro = action == SupportAction.Reopen
                ? $"{user.Name} ({tenantName}) says the problem is not fixed and reopened the request."
                : $"{user.Name} ({tenantName}) confirmed the fix and closed the request.";
            await ToAssigneeAsync(request, SupportEmails.Update(request, tenantName, heading, intro, comment, commentHtml, Link(request)), dedup, now, ct);
        }
        await WebhookAsync(WebhookEvents.SupportRequestUpdated, request, EnumNames.Of(action), comment, dedup, now, ct);
    }

    public async Task AssignedAsync(SupportRequest request, User? assignee, DateTimeOffset now, CancellationToken ct)
    {
        var dedup = $"{request.Reference}:v{request.Version}";
        if (assignee is not null && assignee.Id != user.Id)
        {
            var tenantName = await TenantNameAsync(request, ct);
            var email = SupportEmails.Update(request, tenantName, "Assigned to you", $"{user.Name} assigned this request to you.", null, null, Link(request));
            notifier.Email(WebhookEvents.SupportRequestUpdated, assignee.Email, assignee.DisplayName, null, null, null, email, dedup, now);
        }
        await WebhookAsync(WebhookEvents.SupportRequestUpdated, request, assignee is null ? "unassigned" : "assigned", null, dedup, now, ct);
    }

    /// <summary>The contact, and the person who filed the request when that is someone else.</summary>
    async Task ToRequesterAsync(SupportRequest request, EmailTemplates.Email email, string dedup, DateTimeOffset now, CancellationToken ct)
    {
        var filer = await db.Users.IgnoreQueryFilters().AsNoTracking()
            .Where(u => u.Id == request.CreatedById && !u.IsDisabled).Select(u => new { u.Email, u.DisplayName }).FirstOrDefaultAsync(ct);
        notifier.Email(WebhookEvents.SupportRequestUpdated, request.ContactEmail, request.ContactName, request.TenantId, null, null, email, dedup, now);
        if (filer is not null && !filer.Email.Equals(request.ContactEmail, StringComparison.OrdinalIgnoreCase))
        {
            notifier.Email(WebhookEvents.SupportRequestUpdated, filer.Email, filer.DisplayName, request.TenantId, null, null, email, dedup, now);
        }
    }

    async Task ToAssigneeAsync(SupportRequest request, EmailTemplates.Email email, string dedup, DateTimeOffset now, CancellationToken ct)
    {
        if (request.AssigneeId is not { } id)
        {
            return;
        }
        var assignee = await db.Users.IgnoreQueryFilters().AsNoTracking()
            .Where(u => u.Id == id && !u.IsDisabled).Select(u => new { u.Email, u.DisplayName }).FirstOrDefaultAsync(ct);
        if (assignee is not null)
        {
            notifier.Email(WebhookEvents.SupportRequestUpdated, assignee.Email, assignee.DisplayName, null, null, null, email, dedup, now);
        }
    }

    Task WebhookAsync(string eventType, SupportRequest r, string what, SupportComment? comment, string dedup, DateTimeOffset now, CancellationToken ct) =>
        notifier.WebhookAsync(eventType, r.TenantId, r.ChangeId, dedup, new
        {
            number = r.Reference,
            id = r.Id,
            tenantId = r.TenantId,
            title = r.Title,
            severity = EnumNames.Of(r.Severity),
            state = EnumNames.Of(r.State),
            action = what,
            affectedUsers = r.AffectedUsers,
            changeId = r.ChangeId,
            releaseId = r.ReleaseId,
            assignee = r.AssigneeName,
            firstResponseDueAt = r.FirstResponseDueAt,
            firstResponseAt = r.FirstResponseAt,
            comment = comment is null ? null : new { author = comment.AuthorName, party = EnumNames.Of(comment.AuthorParty), body = comment.Body },
            link = Link(r),
        }, now, ct);

    async Task<string> TenantNameAsync(SupportRequest request, CancellationToken ct) =>
        await db.Tenants.IgnoreQueryFilters().Where(t => t.Id == request.TenantId).Select(t => t.Name).FirstOrDefaultAsync(ct) ?? "a tenant";

    async Task<string?> ChangeLabelAsync(SupportRequest request, CancellationToken ct) =>
        request.ChangeId is { } id
            ? await db.Changes.IgnoreQueryFilters().Where(c => c.Id == id).Select(c => "CHG-" + c.Id + " " + c.Title).FirstOrDefaultAsync(ct)
            : null;

    string Link(SupportRequest request) => service.LinkTo($"/support/{request.Reference}");
}

/// <summary>The support emails, in the layout of the other ChangeDesk emails.</summary>
public static class SupportEmails
{
    static string E(string s) => WebUtility.HtmlEncode(s);

    public static string SeverityLabel(SupportSeverity severity) => severity switch
    {
        SupportSeverity.A => "A (critical)",
        SupportSeverity.B => "B (high)",
        _ => "C (normal)",
    };

    static string Table(IEnumerable<(string Name, string Value)> facts) =>
        "<table style=\"border-collapse:collapse\">" + string.Concat(facts.Select(f =>
            $"<tr><th style=\"text-align:left;padding:2px 12px 2px 0;color:#57606a\">{E(f.Name)}</th><td>{E(f.Value)}</td></tr>")) + "</table>";

    public static EmailTemplates.Email Filed(SupportRequest r, string tenantName, string? change, string descriptionHtml, string link)
    {
        var subject = $"[ChangeDesk] New severity {r.Severity} request {r.Reference} from {tenantName}: {r.Title}";
        var facts = new List<(string, string)>
        {
            ("Request", r.Reference), ("Tenant", tenantName), ("Severity", SeverityLabel(r.Severity)), ("Affected users", r.AffectedUsers.ToString("N0", CultureInfo.InvariantCulture)),
            ("Change", change ?? "—"), ("Release", r.ReleaseId?.ToString() ?? "—"),
            ("Contact", $"{r.ContactName} <{r.ContactEmail}>{(r.ContactPhone is null ? "" : $", {r.ContactPhone}")}"),
            ("First response due", Display.When(r.FirstResponseDueAt)),
        };
        var text = new StringBuilder($"{tenantName} filed a severity {SeverityLabel(r.Severity)} support request.\n\n{r.Title}\n");
        foreach (var (k, v) in facts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{k}: {v}");
        }
        text.AppendLine().AppendLine(r.Description).AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Open it: {link}");
        var html = EmailTemplates.Layout($"{r.Reference}: {r.Title}", $"{E(tenantName)} filed a severity {E(SeverityLabel(r.Severity))} support request.",
            Table(facts) + $"<div style=\"border-left:3px solid #d0d7de;padding-left:1rem;margin:1rem 0\">{descriptionHtml}</div>",
            link, "Open the request", "Sent to the provider's support engineers for every new severity A or B request.");
        return new EmailTemplates.Email(subject, text.ToString(), html);
    }

    public static EmailTemplates.Email Update(
        SupportRequest r, string tenantName, string heading, string intro, SupportComment? comment, string? commentHtml, string link)
    {
        var subject = $"[ChangeDesk] {r.Reference} {heading}: {r.Title}";
        var facts = new List<(string, string)>
        {
            ("Request", r.Reference), ("Tenant", tenantName), ("State", Display.Label(r.State)), ("Severity", SeverityLabel(r.Severity)),
            ("Assigned to", r.AssigneeName ?? "—"),
        };
        var text = new StringBuilder($"{intro}\n\n{r.Title}\n");
        foreach (var (k, v) in facts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{k}: {v}");
        }
        if (comment is not null)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{comment.AuthorName} wrote:").AppendLine(comment.Body);
        }
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Open it: {link}");
        var quoted = comment is null ? "" :
            $"<p><strong>{E(comment.AuthorName)}</strong> wrote:</p><div style=\"border-left:3px solid #d0d7de;padding-left:1rem;margin:1rem 0\">{commentHtml}</div>";
        var html = EmailTemplates.Layout($"{r.Reference} {heading}", E(intro), Table(facts) + quoted, link, "Open the request",
            "Sent to the people working on this support request.");
        return new EmailTemplates.Email(subject, text.ToString(), html);
    }
}
