using System.Globalization;
using System.Text;
using ChangeDesk.Responsibility;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChangeDesk.MessageCenter;

public static class MessageCenterApi
{
    public static IEndpointRouteBuilder MapMessageCenter(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/message-center/messages").WithTags("Message Center").RequireAuthorization();
        group.MapGet("/", List).WithName("ListMessages")
            .WithSummary("A tenant's Message Center for the caller: view (inbox, unread, favorites, updated, archived, all), service, tag, category, q, sort (lastModified, title, start, actBy), desc, skip, top. Provider users name tenantId.");
        group.MapGet("/export.csv", Export).WithName("ExportMessages").WithSummary("The filtered list as CSV.");
        group.MapGet("/{id}", Get).WithName("GetMessage").WithSummary("One message with its body, details and earlier versions.");
        foreach (var action in Enum.GetValues<ViewAction>())
        {
            var name = EnumNames.Of(action);
            group.MapPost($"/{{id}}/{name}", async (string id, Guid? tenantId, MessageCenterService center, CancellationToken ct) =>
            {
                var tenant = await center.ResolveTenantAsync(tenantId, ct);
                await center.SetViewStateAsync(tenant, [id], action, ct);
                return TypedResults.NoContent();
            }).WithName($"{action}Message").WithSummary($"{name} the message for the caller.");
        }
        return app;
    }

    /// <summary>The longest service, tag or search text of an inbox filter: a phrase to find, not a document.</summary>
    public const int MaxFilterTextLength = 200;

    public static InboxFilter Filter(string? view, string? service, string? tag, string? category, string? q, string? sort, bool? desc, int? skip, int? top)
    {
        var inboxView = InboxView.Inbox;
        if (!string.IsNullOrWhiteSpace(view) && !EnumNames.TryParse(view, out inboxView))
        {
            throw ValidationFailedException.For("view", $"View must be one of {EnumNames.List<InboxView>()}.");
        }
        if (!string.IsNullOrWhiteSpace(category) && !MessageCategory.All.Contains(category))
        {
            throw ValidationFailedException.For("category", $"Category must be one of {string.Join(", ", MessageCategory.All)}.");
        }
        foreach (var (field, value) in new[] { ("service", service), ("tag", tag), ("q", q) })
        {
            if (value is { Length: > MaxFilterTextLength })
            {
                throw ValidationFailedException.For(field, $"{field} is {value.Length} characters long; at most {MaxFilterTextLength} are allowed.");
            }
            if (value is not null && MessageOData.Unstorable(value) is { } problem)
            {
                throw ValidationFailedException.For(field, $"{field} contains {problem}.");
            }
        }
        return new InboxFilter(inboxView, service, tag, category, q, string.IsNullOrWhiteSpace(sort) ? "lastModified" : sort, desc ?? true, skip ?? 0, top ?? 50);
    }

    static async Task<Ok<InboxPage>> List(
        Guid? tenantId, string? view, string? service, string? tag, string? category, string? q, string? sort, bool? desc, int? skip, int? top,
        MessageCenterService center, CancellationToken ct)
    {
        var tenant = await center.ResolveTenantAsync(tenantId, ct);
        return TypedResults.Ok(await center.InboxAsync(tenant, Filter(view, service, tag, category, q, sort, desc, skip, top), ct));
    }

    static async Task<Ok<MessageDetailView>> Get(string id, Guid? tenantId, MessageCenterService center, CancellationToken ct)
    {
        var tenant = await center.ResolveTenantAsync(tenantId, ct);
        return TypedResults.Ok(await center.GetAsync(tenant, id, ct));
    }

    static async Task<FileContentHttpResult> Export(
        Guid? tenantId, string? view, string? service, string? tag, string? category, string? q, MessageCenterService center, CancellationToken ct)
    {
        var tenant = await center.ResolveTenantAsync(tenantId, ct);
        var rows = await center.ExportAsync(tenant, Filter(view, service, tag, category, q, null, null, null, null), ct);
        return TypedResults.File(Encoding.UTF8.GetBytes(ToCsv(rows)), "text/csv; charset=utf-8", "message-center.csv");
    }

    public static string ToCsv(IEnumerable<MessageRow> rows)
    {
        var csv = new StringBuilder("Id,Title,Category,Severity,Services,Tags,Major change,Start,End,Act by,Last updated,Read,Favorite,Archived\r\n");
        static string When(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";
        foreach (var r in rows)
        {
            csv.AppendJoin(',', new[]
            {
                r.Id, r.Title, r.Category, r.Severity, string.Join("; ", r.Services), string.Join("; ", r.Tags), r.IsMajorChange ? "yes" : "no",
                When(r.StartDateTime), When(r.EndDateTime), When(r.ActionRequiredByDateTime), When(r.LastModifiedDateTime),
                r.ViewPoint.IsRead ? "yes" : "no", r.ViewPoint.IsFavorited ? "yes" : "no", r.ViewPoint.IsArchived ? "yes" : "no",
            }.Select(MatrixService.CsvField)).Append("\r\n");
        }
        return csv.ToString();
    }
}
