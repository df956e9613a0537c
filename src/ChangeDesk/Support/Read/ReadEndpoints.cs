using Microsoft.AspNetCore.Http.HttpResults;

namespace ChangeDesk.Support;

public static class ReadEndpoints
{
    public static RouteGroupBuilder MapSupportReads(this RouteGroupBuilder group)
    {
        group.MapGet("/", List).WithName("ListSupportRequests")
            .WithSummary("Support requests you can see (a tenant its own, the provider all), by severity then age: the queue. Each carries firstResponseDueAt and firstResponseBreached.");
        group.MapGet("/{number}", Get).WithName("GetSupportRequest")
            .WithSummary("One request (SR-1001) with its comments; tenants never see internal notes. Sends an ETag; honours If-None-Match with 304.")
            .Produces(StatusCodes.Status304NotModified);
        group.MapGet("/{number}/attachments/{id:guid}", Download).WithName("DownloadSupportAttachment")
            .WithSummary("The file, as a download (Content-Disposition: attachment) of its checked type.");
        group.MapGet("/engineers", Engineers).WithName("ListSupportEngineers").WithSummary("The support engineers requests can be assigned to (provider users).");
        return group;
    }

    static async Task<Ok<SupportRequestPage>> List(
        string? state, string? severity, Guid? tenantId, int? changeId, Guid? releaseId, string? assignee, bool? breached, string? q, int? skip, int? top,
        SupportRequestReader reader, CancellationToken ct) =>
        TypedResults.Ok(await reader.ListAsync(new SupportFilter(state, severity, tenantId, changeId, releaseId, assignee, breached, q, skip ?? 0, top ?? 50), ct));

    static async Task<Ok<SupportRequestView>> Get(string number, SupportRequestReader reader, CancellationToken ct) => TypedResults.Ok(await reader.GetAsync(number, ct));

    static async Task<FileContentHttpResult> Download(string number, Guid id, SupportRequestReader reader, HttpContext http, CancellationToken ct)
    {
        var (name, type, content) = await reader.AttachmentAsync(number, id, ct);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(content, type, name);
    }

    static async Task<Ok<IReadOnlyList<SupportEngineerView>>> Engineers(SupportRequestReader reader, CancellationToken ct) =>
        TypedResults.Ok(await reader.EngineersAsync(ct));
}
