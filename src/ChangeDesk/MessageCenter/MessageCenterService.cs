using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.MessageCenter;

public sealed record ViewPoint(bool IsRead, bool IsArchived, bool IsFavorited)
{
    public static ViewPoint None { get; } = new(false, false, false);
}

public sealed record MessageRow(
    string Id, int? ChangeId, string Title, string Category, string Severity, bool IsMajorChange, IReadOnlyList<string> Services,
    IReadOnlyList<string> Tags, DateTimeOffset StartDateTime, DateTimeOffset? EndDateTime, DateTimeOffset? ActionRequiredByDateTime,
    DateTimeOffset LastModifiedDateTime, int Version, string Consent, ViewPoint ViewPoint,
    string? BodyHtml = null, IReadOnlyList<MessageDetail>? Details = null);

public sealed record RevisionView(int Version, DateTimeOffset ReplacedAt, string ReplacedBy, string ChangedFields, string Title,
    DateTimeOffset StartDateTime, DateTimeOffset? EndDateTime, DateTimeOffset? ActionRequiredByDateTime, string Category, string Severity, string BodyHtml);

public sealed record MessageDetailView(MessageRow Message, string BodyHtml, IReadOnlyList<MessageDetail> Details, IReadOnlyList<RevisionView> History);

public enum ViewAction
{
    MarkRead,
    MarkUnread,
    Archive,
    Unarchive,
    Favorite,
    Unfavorite,
}

/// <summary>Which messages the inbox shows: the state filters of the Message Center.</summary>
public enum InboxView
{
    Inbox,
    Unread,
    Favorites,
    Updated,
    Archived,
    All,
}

public sealed record InboxFilter(
    InboxView View = InboxView.Inbox, string? Service = null, string? Tag = null, string? Category = null, string? Q = null,
    string Sort = "lastModified", bool Descending = true, int Skip = 0, int Top = 50);

public sealed record InboxPage(IReadOnlyList<MessageRow> Items, int Total, IReadOnlyList<string> Services, int Skip, int Top);

/// <summary>
/// Reads and marks a tenant's Message Center for the current user. The Graph-compatible API, the REST API
/// and the pages all go through here.
/// </summary>
public sealed class MessageCenterService(ChangeDeskDb db, CurrentUser user)
{
    public const string TenantHeader = "X-ChangeDesk-Tenant";

    /// <summary>
    /// The tenant whose Message Center is read: a customer's own, or the one a provider user names.
    /// </summary>
    public async Task<Guid> ResolveTenantAsync(Guid? requested, CancellationToken ct)
    {
        if (!user.IsProvider)
        {
            return user.TenantId!.Value;
        }
        if (requested is not { } tenant)
        {
            throw ValidationFailedException.For("tenant",
                $"Provider users read a tenant's Message Center: name the tenant with the {TenantHeader} header or the tenantId query parameter.");
        }
        return await db.Tenants.AnyAsync(t => t.Id == tenant, ct) ? tenant : throw new NotFoundException("Tenant", tenant);
    }

    /// <summary>For provider users opening a message without naming a tenant: the first tenant it is posted to.</summary>
    public async Task<Guid?> AnyTenantOfAsync(string id, CancellationToken ct) =>
        await db.MessageTenants.Where(t => t.MessageId == id).OrderBy(t => t.TenantId).Select(t => (Guid?)t.TenantId).FirstOrDefaultAsync(ct);

    /// <summary>The messages posted to a tenant; compose filters on it and they run in the database.</summary>
    public IQueryable<Message> Messages(Guid tenant) => Posted(db, tenant).Select(p => p.Message);

    /// <summary>The messages posted to a tenant with their posting, whose copy of the modification time orders a list by index.</summary>
    public IQueryable<PostedMessage> Posted(Guid tenant) => Posted(db, tenant);

    /// <summary>
    /// Driven from the tenant's rows of MessageTenants (their index starts with the tenant), so the database reads one
    /// tenant's messages instead of testing every message for the tenant. MessageTenants keeps its tenant filter, which is
    /// the one Messages would add (a customer sees the messages posted to it), so Messages' own is not evaluated again.
    /// </summary>
    public static IQueryable<PostedMessage> Posted(ChangeDeskDb db, Guid tenant) =>
        db.MessageTenants.AsNoTracking().Where(t => t.TenantId == tenant)
            .Join(db.Messages.IgnoreQueryFilters([ChangeDeskDb.MessagePostedFilter]).AsNoTracking(), t => t.MessageId, m => m.Id,
                (t, m) => new PostedMessage { Posting = t, Message = m });

    IQueryable<MessageViewState> MyStates => db.MessageViewStates.Where(v => v.UserId == user.Id);

    public async Task<List<MessageRow>> RowsAsync(IQueryable<Message> query, CancellationToken ct, bool withBody = false)
    {
        var messages = await query.Select(m => new
        {
            m.Id,
            m.ChangeId,
            m.Title,
            m.Category,
            m.Severity,
            m.IsMajorChange,
            m.Services,
            m.Tags,
            m.StartDateTime,
            m.EndDateTime,
            m.ActionRequiredByDateTime,
            m.LastModifiedDateTime,
            m.Version,
            m.Consent,
            BodyHtml = withBody ? m.BodyHtml : null,
            Details = withBody ? m.Details : null,
        }).ToListAsync(ct);
        var ids = messages.Select(m => m.Id).ToList();
        var states = await MyStates.Where(v => ids.Contains(v.MessageId)).ToDictionaryAsync(v => v.MessageId, ct);
        return messages.Select(m => new MessageRow(m.Id, m.ChangeId, m.Title, m.Category, m.Severity, m.IsMajorChange, m.Services, m.Tags,
            m.StartDateTime, m.EndDateTime, m.ActionRequiredByDateTime, m.LastModifiedDateTime, m.Version, m.Consent,
            states.TryGetValue(m.Id, out var v) ? new ViewPoint(v.IsRead, v.IsArchived, v.IsFavorited) : ViewPoint.None,
            m.BodyHtml, m.Details)).ToList();
    }

    public async Task<MessageDetailView> GetAsync(Guid tenant, string id, CancellationToken ct)
    {
        var message = await Messages(tenant).Where(m => m.Id == id).Select(m => new { m.BodyHtml, m.Details }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("Message", id);
        var row = (await RowsAsync(Messages(tenant).Where(m => m.Id == id), ct)).Single();
        var history = await db.MessageRevisions.AsNoTracking().Where(r => r.MessageId == id).OrderByDescending(r => r.Version)
            .Select(r => new RevisionView(r.Version, r.ReplacedAt, r.ReplacedBy, r.ChangedFields, r.Title, r.StartDateTime, r.EndDateTime,
                r.ActionRequiredByDateTime, r.Category, r.Severity, r.BodyHtml))
            .ToListAsync(ct);
        return new MessageDetailView(row, message.BodyHtml, message.Details, history);
    }

    /// <summary>Marks messages for the current user. Every id must be a message of the tenant.</summary>
    public async Task SetViewStateAsync(Guid tenant, IReadOnlyCollection<string> ids, ViewAction action, CancellationToken ct)
    {
        var distinct = ids.Where(i => !string.IsNullOrWhiteSpace(i)).Distinct().ToList();
        if (distinct.Count == 0)
        {
            throw ValidationFailedException.For("messageIds", "Give at least one message id.");
        }
        if (distinct.Count > 1000)
        {
            throw ValidationFailedException.For("messageIds", "Give at most 1,000 message ids at once.");
        }
        var known = await Messages(tenant).Where(m => distinct.Contains(m.Id)).Select(m => m.Id).ToListAsync(ct);
        var unknown = distinct.Except(known).ToList();
        if (unknown.Count > 0)
        {
            throw new NotFoundException("Message", string.Join(", ", unknown));
        }
        var userId = user.Id ?? throw new ForbiddenException("Only a signed-in user has a view of messages.");
        // A user's state of a message is one row: of two first marks at once (a client retrying), the later runs again
        // and updates the row the other inserted.
        await db.WriteAsync("Set message view state", async () =>
        {
            var states = await db.MessageViewStates.IgnoreQueryFilters().Where(v => v.UserId == userId && distinct.Contains(v.MessageId)).ToDictionaryAsync(v => v.MessageId, ct);
            foreach (var id in distinct)
            {
                if (!states.TryGetValue(id, out var state))
                {
                    state = new MessageViewState { MessageId = id, UserId = userId, TenantId = tenant };
                    db.MessageViewStates.Add(state);
                }
                switch (action)
                {
                    case ViewAction.MarkRead: state.IsRead = true; break;
                    case ViewAction.MarkUnread: state.IsRead = false; break;
                    case ViewAction.Archive: state.IsArchived = true; break;
                    case ViewAction.Unarchive: state.IsArchived = false; break;
                    case ViewAction.Favorite: state.IsFavorited = true; break;
                    case ViewAction.Unfavorite: state.IsFavorited = false; break;
                }
            }
        }, ct);
    }

    public async Task<InboxPage> InboxAsync(Guid tenant, InboxFilter filter, CancellationToken ct)
    {
        if (filter.Top is < 1 or > 1000)
        {
            throw ValidationFailedException.For("top", "Top must be between 1 and 1000.");
        }
        var query = Filtered(tenant, filter);
        var total = await query.CountAsync(ct);
        var sorted = (filter.Sort.ToLowerInvariant(), filter.Descending) switch
        {
            ("title", false) => query.OrderBy(m => m.Title),
            ("title", true) => query.OrderByDescending(m => m.Title),
            ("start", false) => query.OrderBy(m => m.StartDateTime),
            ("start", true) => query.OrderByDescending(m => m.StartDateTime),
            ("actby", false) => query.OrderBy(m => m.ActionRequiredByDateTime == null).ThenBy(m => m.ActionRequiredByDateTime),
            ("actby", true) => query.OrderBy(m => m.ActionRequiredByDateTime == null).ThenByDescending(m => m.ActionRequiredByDateTime),
            ("lastmodified", false) => query.OrderBy(m => m.LastModifiedDateTime),
            ("lastmodified", true) => query.OrderByDescending(m => m.LastModifiedDateTime),
            _ => throw ValidationFailedException.For("sort", "Sort by title, start, actBy or lastModified."),
        };
        var rows = await RowsAsync(sorted.ThenByDescending(m => m.Number).Skip(Math.Max(0, filter.Skip)).Take(filter.Top), ct);
        var services = (await Messages(tenant).Select(m => m.Services).ToListAsync(ct)).SelectMany(s => s).Distinct().Order().ToList();
        return new InboxPage(rows, total, services, filter.Skip, filter.Top);
    }

    IQueryable<Message> Filtered(Guid tenant, InboxFilter filter)
    {
        var query = Messages(tenant);
        var me = user.Id;
        var states = db.MessageViewStates;
        query = filter.View switch
        {
            InboxView.Inbox => query.Where(m => !states.Any(v => v.MessageId == m.Id && v.UserId == me && v.IsArchived)),
            InboxView.Unread => query.Where(m => !states.Any(v => v.MessageId == m.Id && v.UserId == me && (v.IsRead || v.IsArchived))),
            InboxView.Favorites => query.Where(m => states.Any(v => v.MessageId == m.Id && v.UserId == me && v.IsFavorited)),
            InboxView.Updated => query.Where(m => m.Version > 1 && !states.Any(v => v.MessageId == m.Id && v.UserId == me && v.IsArchived)),
            InboxView.Archived => query.Where(m => states.Any(v => v.MessageId == m.Id && v.UserId == me && v.IsArchived)),
            _ => query,
        };
        if (!string.IsNullOrWhiteSpace(filter.Service))
        {
            var service = filter.Service.Trim();
            query = query.Where(m => m.Services.Contains(service));
        }
        if (!string.IsNullOrWhiteSpace(filter.Tag))
        {
            var tag = filter.Tag.Trim();
            query = query.Where(m => m.Tags.Contains(tag));
        }
        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            var category = filter.Category.Trim();
            query = query.Where(m => m.Category == category);
        }
        if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            var q = filter.Q.Trim().ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL lower(); the overloads with a culture or comparison are not
            query = query.Where(m => m.Title.ToLower().Contains(q) || m.BodyMarkdown.ToLower().Contains(q) || m.Id.ToLower() == q);
#pragma warning restore CA1304, CA1311, CA1862
        }
        return query;
    }

    /// <summary>All rows matching the filter, for CSV export (capped).</summary>
    public async Task<List<MessageRow>> ExportAsync(Guid tenant, InboxFilter filter, CancellationToken ct) =>
        await RowsAsync(Filtered(tenant, filter).OrderByDescending(m => m.LastModifiedDateTime).ThenByDescending(m => m.Number).Take(10_000), ct);
}
