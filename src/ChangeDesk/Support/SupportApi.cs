using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChangeDesk.Support;

public static class SupportApi
{
    public static IEndpointRouteBuilder MapSupport(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/support-requests").WithTags("Support requests").RequireAuthorization().WithEntityTags();
        group.MapGet("/", List).WithName("ListSupportRequests")
            .WithSummary("Support requests you can see (a tenant its own, the provider all), by severity then age: the queue. Each carries firstResponseDueAt and firstResponseBreached.");
        group.MapPost("/", Create).WithName("CreateSupportRequest")
            .WithSummary("File a break/fix request for your tenant (tenant admins). Contact fields default to you.")
            .ProducesValidationProblem();
        group.MapGet("/{number}", Get).WithName("GetSupportRequest")
            .WithSummary("One request (SR-1001) with its comments; tenants never see internal notes. Sends an ETag; honours If-None-Match with 304.")
            .Produces(StatusCodes.Status304NotModified);
        group.MapPost("/{number}/comments", Comment).WithName("CommentOnSupportRequest")
            .WithSummary("Comment (Markdown). Support engineers may post an internal note (internal: true). A tenant's comment on a request waiting on it hands it back to the provider.")
            .ProducesValidationProblem();
        group.MapPost("/{number}/assign", Assign).WithName("AssignSupportRequest")
            .WithSummary("Assign to a support engineer by assigneeId or assigneeEmail; neither unassigns. Support engineers only. Honours If-Match.")
            .ProducesValidationProblem();
        foreach (var action in Enum.GetValues<SupportAction>())
        {
            var name = EnumNames.Of(action);
            var side = SupportStateMachine.TakenBy(action) == Responsibility.Party.Provider ? "support engineers" : "the tenant's admins";
            group.MapPost($"/{{number}}/{name}", (string number, [FromBody] TransitionInput? input, [FromHeader(Name = "If-Match")] string? ifMatch,
                        SupportService support, CancellationToken ct) => Transition(number, action, input, ifMatch, support, ct))
                .WithName($"{action}SupportRequest")
                .WithSummary($"Lifecycle: {name} ({side}), with an optional public comment. Refused with 409 from a state that does not allow it. Honours If-Match.");
        }
        group.MapPost("/{number}/attachments", Attach).WithName("AttachToSupportRequest")
            .WithSummary($"Attach a file (multipart/form-data, field \"file\"): {AttachmentPolicy.Extensions}; the content must match its type. Those who may comment may attach.")
            .ProducesValidationProblem()
            // The API's callers send bearer tokens: a write by sign-in cookie is refused before it gets here (Web/CrossSiteRequests).
            .DisableAntiforgery();
        group.MapGet("/{number}/attachments/{id:guid}", Download).WithName("DownloadSupportAttachment")
            .WithSummary("The file, as a download (Content-Disposition: attachment) of its checked type.");
        group.MapGet("/engineers", Engineers).WithName("ListSupportEngineers").WithSummary("The support engineers requests can be assigned to (provider users).");
        return app;
    }

    static async Task<Ok<SupportRequestPage>> List(
        string? state, string? severity, Guid? tenantId, int? changeId, Guid? releaseId, string? assignee, bool? breached, string? q, int? skip, int? top,
        SupportService support, CancellationToken ct) =>
        TypedResults.Ok(await support.ListAsync(new SupportFilter(state, severity, tenantId, changeId, releaseId, assignee, breached, q, skip ?? 0, top ?? 50), ct));

    static async Task<Created<SupportRequestView>> Create(SupportRequestInput input, SupportService support, CancellationToken ct)
    {
        var view = await support.CreateAsync(input, ct);
        return TypedResults.Created($"/api/support-requests/{view.Number}", view);
    }

    static async Task<Ok<SupportRequestView>> Get(string number, SupportService support, CancellationToken ct) => TypedResults.Ok(await support.GetAsync(number, ct));

    static async Task<Created<SupportRequestView>> Comment(string number, CommentInput input, SupportService support, CancellationToken ct)
    {
        var view = await support.CommentAsync(number, input.Body, input.Internal, ct);
        return TypedResults.Created($"/api/support-requests/{view.Number}", view);
    }

    static async Task<Ok<SupportRequestView>> Assign(
        string number, AssignInput input, [FromHeader(Name = "If-Match")] string? ifMatch, SupportService support, CancellationToken ct) =>
        TypedResults.Ok(await support.AssignAsync(number, input.AssigneeId, input.AssigneeEmail, ifMatch, ct));

    static async Task<Ok<SupportRequestView>> Transition(
        string number, SupportAction action, TransitionInput? input, string? ifMatch, SupportService support, CancellationToken ct) =>
        TypedResults.Ok(await support.TransitionAsync(number, action, input?.Comment, ifMatch, ct));

    static async Task<Created<SupportRequestView>> Attach(string number, IFormFile? file, SupportService support, CancellationToken ct)
    {
        if (file is null)
        {
            throw ValidationFailedException.For("file", "Send the file as multipart/form-data in a field named \"file\".");
        }
        var content = await ReadAsync(file, support.MaxAttachmentBytes, ct);
        var view = await support.AttachAsync(number, file.FileName, file.ContentType, content, ct);
        return TypedResults.Created($"/api/support-requests/{view.Number}", view);
    }

    /// <summary>Refuses a file over the limit before reading it; reads at most one byte past the limit whatever the upload claims.</summary>
    public static async Task<byte[]> ReadAsync(IFormFile file, long maxBytes, CancellationToken ct)
    {
        if (file.Length > maxBytes)
        {
            throw ValidationFailedException.For("file",
                $"{AttachmentPolicy.CleanName(file.FileName)} is {AttachmentPolicy.Describe(file.Length)}; attachments may be at most {AttachmentPolicy.Describe(maxBytes)}.");
        }
        await using var stream = file.OpenReadStream();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0 && buffer.Length <= maxBytes)
        {
            buffer.Write(chunk, 0, (int)Math.Min(read, maxBytes + 1 - buffer.Length));
        }
        return buffer.ToArray();
    }

    static async Task<FileContentHttpResult> Download(string number, Guid id, SupportService support, HttpContext http, CancellationToken ct)
    {
        var (name, type, content) = await support.AttachmentAsync(number, id, ct);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(content, type, name);
    }

    static async Task<Ok<IReadOnlyList<SupportEngineerView>>> Engineers(SupportService support, CancellationToken ct) =>
        TypedResults.Ok(await support.EngineersAsync(ct));

}
