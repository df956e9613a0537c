using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// What people see of support requests, for the API and the pages alike: the queue, one request with its comments
/// and files, an attachment's content and the engineers to assign. Tenants see their own requests only (query
/// filters), and never the provider's internal notes.
/// </summary>
public sealed class SupportRequestReader(ChangeDeskDb db, CurrentUser user, TimeProvider clock, MarkdownRenderer markdown)
{
    /// <summary>Whether the caller may file requests; the pages offer the form only then.</summary>
    public bool CanFile => FileSupportRequest.MayFile(user);

    public async Task<SupportRequestPage> ListAsync(SupportFilter filter, CancellationToken ct = default)
    {
        var errors = new Errors();
        if (filter.Top is < 1 or > 500)
        {
            errors.Add("top", "Top must be between 1 and 500.");
        }
        if (filter.Skip < 0)
        {
            errors.Add("skip", "Skip must not be negative.");
        }
        var query = db.SupportRequests.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.State))
        {
            var states = new List<SupportState>();
            foreach (var name in filter.State.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (name.Equals("open", StringComparison.OrdinalIgnoreCase))
                {
                    states.AddRange(SupportStateMachine.OpenStates);
                }
                else if (EnumNames.TryParse<SupportState>(name, out var state))
                {
                    states.Add(state);
                }
                else
                {
                    errors.Add("state", $"Unknown state '{name}': use open or one of {EnumNames.List<SupportState>()} (comma-separated for several).");
                }
            }
            query = query.Where(r => states.Contains(r.State));
        }
        if (!string.IsNullOrWhiteSpace(filter.Severity))
        {
            var severities = new List<SupportSeverity>();
            foreach (var name in filter.Severity.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (SupportRequestInput.TryParseSeverity(name, out var severity))
                {
                    severities.Add(severity);
                }
                else
                {
                    errors.Add("severity", $"Unknown severity '{name}': use a, b or c (comma-separated for several).");
                }
            }
            query = query.Where(r => severities.Contains(r.Severity));
        }
        if (filter.TenantId is { } tenant)
        {
            query = query.Where(r => r.TenantId == tenant);
        }
        if (filter.ChangeId is { } change)
        {
            query = query.Where(r => r.ChangeId == change);
        }
        if (filter.ReleaseId is { } release)
        {
            query = query.Where(r => r.ReleaseId == release);
        }
        if (!string.IsNullOrWhiteSpace(filter.Assignee))
        {
            var assignee = filter.Assignee.Trim();
            if (assignee.Equals("unassigned", StringComparison.OrdinalIgnoreCase))
            {
                query = query.Where(r => r.AssigneeId == null);
            }
            else if (assignee.Equals("me", StringComparison.OrdinalIgnoreCase))
            {
                var me = user.Id;
                query = query.Where(r => r.AssigneeId == me);
            }
            else if (Guid.TryParse(assignee, out var id))
            {
                query = query.Where(r => r.AssigneeId == id);
            }
            else
            {
                errors.Add("assignee", "Assignee must be a user id, me or unassigned.");
            }
        }
        var now = clock.GetUtcNow();
        if (filter.Breached is { } breached)
        {
            query = breached
                ? query.Where(r => (r.FirstResponseAt != null && r.FirstResponseAt > r.FirstResponseDueAt) || (r.FirstResponseAt == null && r.FirstResponseDueAt < now))
                : query.Where(r => (r.FirstResponseAt != null && r.FirstResponseAt <= r.FirstResponseDueAt) || (r.FirstResponseAt == null && r.FirstResponseDueAt >= now));
        }
        if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            var q = filter.Q.Trim();
            if (SupportRequest.TryParseNumber(q, out var number) && q.StartsWith(SupportRequest.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                query = query.Where(r => r.Number == number);
            }
            else
            {
                var lower = q.ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL lower(); the overloads with a culture or comparison are not
                query = query.Where(r => r.Title.ToLower().Contains(lower) || r.Description.ToLower().Contains(lower));
#pragma warning restore CA1304, CA1311, CA1862
            }
        }
        errors.ThrowIfAny();

        var total = await query.CountAsync(ct);
        var rows = await query
            .OrderBy(r => r.Severity).ThenBy(r => r.CreatedAt).ThenBy(r => r.Number)
            .Skip(filter.Skip).Take(filter.Top)
            .Select(r => new
            {
                r.Id,
                r.Number,
                r.TenantId,
                TenantName = db.Tenants.Where(t => t.Id == r.TenantId).Select(t => t.Name).FirstOrDefault(),
                r.Title,
                r.Severity,
                r.State,
                r.AffectedUsers,
                r.ChangeId,
                r.ReleaseId,
                r.AssigneeId,
                r.AssigneeName,
                r.CreatedAt,
                r.UpdatedAt,
                r.FirstResponseDueAt,
                r.FirstResponseAt,
            })
            .ToListAsync(ct);
        var items = rows.Select(r => new SupportRequestSummary(r.Id, SupportRequest.Prefix + r.Number, r.TenantId, r.TenantName ?? "", r.Title,
                r.Severity, r.State, r.AffectedUsers, r.ChangeId, r.ReleaseId, r.AssigneeId, r.AssigneeName, r.CreatedAt, r.UpdatedAt,
                r.FirstResponseDueAt, r.FirstResponseAt, FirstResponsePolicy.IsBreached(r.FirstResponseDueAt, r.FirstResponseAt, now)))
            .ToList();
        return new SupportRequestPage(items, total, filter.Skip, filter.Top);
    }

    public async Task<SupportRequestView> GetAsync(string reference, CancellationToken ct = default) =>
        await ToViewAsync(await SupportRequestAccess.FindAsync(db.SupportRequests.AsNoTracking(), reference, ct), ct);

    /// <summary>The support engineers a request can be assigned to.</summary>
    public async Task<IReadOnlyList<SupportEngineerView>> EngineersAsync(CancellationToken ct = default)
    {
        if (!user.IsProvider)
        {
            return [];
        }
        return await db.Users.AsNoTracking()
            .Where(u => u.TenantId == null && u.Role == Role.SupportEngineer && !u.IsDisabled)
            .OrderBy(u => u.DisplayName)
            .Select(u => new SupportEngineerView(u.Id, u.DisplayName, u.Email))
            .ToListAsync(ct);
    }

    /// <summary>One attachment's content, for anyone who can see the request.</summary>
    public async Task<(string FileName, string ContentType, byte[] Content)> AttachmentAsync(string reference, Guid id, CancellationToken ct = default)
    {
        var request = await SupportRequestAccess.FindAsync(db.SupportRequests.AsNoTracking(), reference, ct);
        var file = await db.SupportAttachments.AsNoTracking().Where(a => a.Id == id && a.RequestId == request.Id)
            .Select(a => new { a.FileName, a.ContentType, a.Content }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("Attachment", id);
        return (file.FileName, file.ContentType, file.Content);
    }

    async Task<SupportRequestView> ToViewAsync(SupportRequest r, CancellationToken ct)
    {
        var tenantName = await db.Tenants.Where(t => t.Id == r.TenantId).Select(t => t.Name).FirstOrDefaultAsync(ct) ?? "";
        var change = r.ChangeId is { } changeId
            ? await db.Changes.Where(c => c.Id == changeId).Select(c => new { c.Id, c.Title }).FirstOrDefaultAsync(ct)
            : null;
        var releaseTitle = r.ReleaseId is { } releaseId
            ? await db.Releases.Where(x => x.Id == releaseId).Select(x => x.Title).FirstOrDefaultAsync(ct)
            : null;
        // The query filter already keeps internal notes from tenants; the view checks again, as they must never leak.
        var comments = await db.SupportComments.AsNoTracking()
            .Where(c => c.RequestId == r.Id && (user.IsProvider || !c.IsInternal))
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .ToListAsync(ct);
        // Projected without the content: the files themselves are read one at a time, on download.
        var files = await db.SupportAttachments.AsNoTracking().Where(a => a.RequestId == r.Id).OrderBy(a => a.UploadedAt).ThenBy(a => a.Id)
            .Select(a => new { a.Id, a.FileName, a.ContentType, a.Size, a.UploadedByName, a.UploadedByParty, a.UploadedAt })
            .ToListAsync(ct);
        var attachments = files.Select(a => new SupportAttachmentView(a.Id, a.FileName, a.ContentType, a.Size, a.UploadedByName, a.UploadedByParty, a.UploadedAt,
            $"/api/support-requests/{r.Reference}/attachments/{a.Id}")).ToList();
        var party = SupportRequestAccess.WorkingParty(user, r);
        var now = clock.GetUtcNow();
        return new SupportRequestView(r.Id, r.Reference, r.TenantId, tenantName, r.Title, r.Description, markdown.ToHtml(r.Description),
            r.Severity, r.State, r.AffectedUsers, r.ChangeId, change is null ? null : $"CHG-{change.Id}", change?.Title, r.ReleaseId, releaseTitle,
            new SupportContact(r.ContactName, r.ContactEmail, r.ContactPhone), r.CreatedByName, r.AssigneeId, r.AssigneeName,
            r.CreatedAt, r.UpdatedAt, r.FirstResponseDueAt, r.FirstResponseAt, FirstResponsePolicy.IsBreached(r.FirstResponseDueAt, r.FirstResponseAt, now),
            r.ResolvedAt, r.ClosedAt, r.Version,
            party is { } p ? SupportStateMachine.AllowedFrom(r.State, p) : [],
            party is not null && SupportStateMachine.TakesComments(r.State),
            party == Party.Provider && SupportStateMachine.TakesComments(r.State),
            user.Is(Role.SupportEngineer) && r.State != SupportState.Closed,
            comments.Select(c => new SupportCommentView(c.Id, c.AuthorName, c.AuthorParty, c.IsInternal, c.Body, markdown.ToHtml(c.Body), c.CreatedAt)).ToList(),
            attachments);
    }
}
