using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.MessageCenter;

public sealed record MessageIdsBody(List<string>? MessageIds);

/// <summary>
/// The Message Center as Microsoft Graph serves it (`/admin/serviceAnnouncement/messages`), so tools written
/// for Microsoft 365, including the Microsoft Graph SDKs, work against ChangeDesk unchanged.
/// </summary>
public static class GraphApi
{
    public const string Root = "/graph/v1.0";
    const int DefaultPageSize = 100, MaxPageSize = 1000;

    // HTML bodies and apostrophes stay readable; the content type is JSON, never HTML.
    static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEndpointRouteBuilder MapGraph(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup(Root + "/admin/serviceAnnouncement/messages").WithTags("Graph-compatible Message Center").RequireAuthorization();
        messages.MapGet("/", List).WithName("GraphListMessages")
            .WithSummary("serviceUpdateMessage list with $filter, $orderby, $top, $skip, $count, $select and Prefer: odata.maxpagesize.");
        messages.MapGet("/$count", Count).WithName("GraphCountMessages").WithSummary("The number of messages matching $filter, as text/plain.");
        messages.MapGet("/{id}", Get).WithName("GraphGetMessage");
        foreach (var action in Enum.GetValues<ViewAction>())
        {
            var name = char.ToLowerInvariant(action.ToString()[0]) + action.ToString()[1..];
            messages.MapPost("/" + name, (MessageIdsBody body, HttpContext http, MessageCenterService center, CancellationToken ct) =>
                    SetViewState(body, action, http, center, ct))
                .WithName("Graph" + action).WithSummary($"{name}: for the signed-in user, on the messages named in messageIds.");
        }
        return app;
    }

    static async Task<Guid> TenantAsync(HttpContext http, MessageCenterService center, CancellationToken ct)
    {
        Guid? requested = null;
        var header = http.Request.Headers[MessageCenterService.TenantHeader].ToString();
        if (header.Length > 0)
        {
            requested = Guid.TryParse(header, out var id) ? id
                : throw GraphException.InvalidRequest($"The {MessageCenterService.TenantHeader} header must be a tenant id (a GUID).");
        }
        return await center.ResolveTenantAsync(requested, ct);
    }

    static async Task<IResult> List(HttpContext http, MessageCenterService center, CancellationToken ct)
    {
        var tenant = await TenantAsync(http, center, ct);
        var options = MessageOData.Parse(http.Request.Query);
        var filtered = MessageOData.ApplyFilter(center.Posted(tenant), options);
        var pageSize = PageSize(http);
        // $skip is an Int64; a cast would wrap (2^32 became 0, the first page). Past int range nothing is left anyway.
        var skip = (int)Math.Min(options.Skip ?? 0, int.MaxValue - MaxPageSize);
        var take = options.Top is { } top ? (int)Math.Min(top, pageSize) : pageSize;
        var rows = await center.RowsAsync(MessageOData.ApplyOrder(filtered, options).Skip(skip).Take(take + 1).Select(p => p.Message), ct, withBody: true);
        var more = rows.Count > take && (options.Top is null || options.Top > take);
        var result = new JsonObject { ["@odata.context"] = $"{BaseUrl(http)}/$metadata#admin/serviceAnnouncement/messages" };
        if (options.Count)
        {
            result["@odata.count"] = await filtered.CountAsync(ct);
        }
        if (more)
        {
            result["@odata.nextLink"] = NextLink(http, skip + take, options.Top is { } t ? t - take : null);
        }
        result["value"] = new JsonArray(rows.Take(take).Select(r => (JsonNode)ToJson(r, options.Select)).ToArray());
        if (http.Request.Headers.TryGetValue("Prefer", out var prefer) && prefer.ToString().Contains("odata.maxpagesize", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.Headers["Preference-Applied"] = $"odata.maxpagesize={pageSize}";
        }
        return Results.Text(result.ToJsonString(Output), "application/json; odata.metadata=minimal; charset=utf-8");
    }

    static async Task<IResult> Count(HttpContext http, MessageCenterService center, CancellationToken ct)
    {
        var tenant = await TenantAsync(http, center, ct);
        var options = MessageOData.Parse(http.Request.Query);
        var count = await MessageOData.ApplyFilter(center.Posted(tenant), options).CountAsync(ct);
        return Results.Text(count.ToString(CultureInfo.InvariantCulture), "text/plain; charset=utf-8");
    }

    static async Task<IResult> Get(string id, HttpContext http, MessageCenterService center, CancellationToken ct)
    {
        var tenant = await TenantAsync(http, center, ct);
        var options = MessageOData.Parse(http.Request.Query);
        MessageOData.Checked("The message id", id, MessageOData.MaxIdLength);
        var rows = await center.RowsAsync(center.Messages(tenant).Where(m => m.Id == id), ct, withBody: true);
        if (rows.Count == 0)
        {
            throw new GraphException(404, "itemNotFound", $"The message '{id}' does not exist or is not posted to this tenant.");
        }
        var json = ToJson(rows[0], options.Select);
        json.Insert(0, "@odata.context", $"{BaseUrl(http)}/$metadata#admin/serviceAnnouncement/messages/$entity");
        return Results.Text(json.ToJsonString(Output), "application/json; odata.metadata=minimal; charset=utf-8");
    }

    static async Task<IResult> SetViewState(MessageIdsBody body, ViewAction action, HttpContext http, MessageCenterService center, CancellationToken ct)
    {
        var tenant = await TenantAsync(http, center, ct);
        if (body.MessageIds is not { Count: > 0 } ids)
        {
            throw GraphException.InvalidRequest("The body must name messages: {\"messageIds\": [\"MC…\"]}.");
        }
        foreach (var id in ids)
        {
            MessageOData.Checked("A message id in messageIds", id ?? "", MessageOData.MaxIdLength);
        }
        await center.SetViewStateAsync(tenant, ids, action, ct);
        var result = new JsonObject { ["@odata.context"] = $"{BaseUrl(http)}/$metadata#Edm.Boolean", ["value"] = true };
        return Results.Text(result.ToJsonString(Output), "application/json; odata.metadata=minimal; charset=utf-8");
    }

    static int PageSize(HttpContext http)
    {
        foreach (var value in http.Request.Headers["Prefer"].SelectMany(v => (v ?? "").Split(',')))
        {
            var parts = value.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0].Equals("odata.maxpagesize", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(parts[1], out var size) && size > 0)
            {
                return Math.Min(size, MaxPageSize);
            }
        }
        return DefaultPageSize;
    }

    static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{Root}";

    static string NextLink(HttpContext http, int skip, long? remainingTop)
    {
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value);
        query["$skip"] = skip.ToString(CultureInfo.InvariantCulture);
        if (remainingTop is { } top)
        {
            query["$top"] = top.ToString(CultureInfo.InvariantCulture);
        }
        var builder = new QueryBuilder(query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))));
        return $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{http.Request.Path}{builder.ToQueryString()}";
    }

    static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A serviceUpdateMessage with Graph's property names, limited to $select when given.</summary>
    public static JsonObject ToJson(MessageRow r, IReadOnlyList<string>? select)
    {
        var all = new JsonObject
        {
            ["startDateTime"] = Iso(r.StartDateTime),
            ["endDateTime"] = r.EndDateTime is { } end ? Iso(end) : null,
            ["lastModifiedDateTime"] = Iso(r.LastModifiedDateTime),
            ["title"] = r.Title,
            ["id"] = r.Id,
            ["category"] = r.Category,
            ["severity"] = r.Severity,
            ["tags"] = new JsonArray(r.Tags.Select(t => (JsonNode)t!).ToArray()),
            ["isMajorChange"] = r.IsMajorChange,
            ["actionRequiredByDateTime"] = r.ActionRequiredByDateTime is { } by ? Iso(by) : null,
            ["services"] = new JsonArray(r.Services.Select(s => (JsonNode)s!).ToArray()),
            ["expiryDateTime"] = null,
            ["hasAttachments"] = false,
            ["viewPoint"] = new JsonObject { ["isRead"] = r.ViewPoint.IsRead, ["isArchived"] = r.ViewPoint.IsArchived, ["isFavorited"] = r.ViewPoint.IsFavorited },
            ["details"] = new JsonArray((r.Details ?? []).Select(d => (JsonNode)new JsonObject { ["name"] = d.Name, ["value"] = d.Value }).ToArray()),
            ["body"] = new JsonObject { ["contentType"] = "html", ["content"] = r.BodyHtml ?? "" },
        };
        if (select is null)
        {
            return all;
        }
        var selected = new JsonObject();
        foreach (var name in select.Append("id").Distinct())
        {
            selected[name] = all[name]?.DeepClone();
        }
        return selected;
    }

    /// <summary>Graph's error body: {"error": {"code", "message", "innerError": {"request-id", "date"}}}.</summary>
    public static async Task WriteErrorAsync(HttpContext http, int status, string code, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        var requestId = http.Request.Headers["client-request-id"] is { Count: > 0 } client ? client.ToString() : http.TraceIdentifier;
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = requestId,
                    ["client-request-id"] = requestId,
                },
            },
        };
        await http.Response.WriteAsync(body.ToJsonString(Output));
    }

    public static string CodeFor(int status) => status switch
    {
        400 => "invalidRequest",
        401 => "unauthenticated",
        403 => "accessDenied",
        404 => "itemNotFound",
        405 => "methodNotAllowed",
        409 => "conflict",
        412 => "preconditionFailed",
        // Graph's codes have no name for a body too large or of an unknown type: the closest documented ones.
        413 => "invalidRequest",
        415 => "notSupported",
        _ => "generalException",
    };
}
