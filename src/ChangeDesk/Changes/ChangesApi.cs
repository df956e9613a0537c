using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChangeDesk.Changes;

public sealed record MitigationInput([property: MaxLength(InputBounds.Text)] string? Description, DateTimeOffset? AppliedAt);

public static class ChangesApi
{
    public static IEndpointRouteBuilder MapChanges(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/changes").WithTags("Changes").RequireAuthorization().WithPreconditionProblems();
        group.MapGet("/", List).WithName("ListChanges").WithSummary("List the changes you can see, newest planned start first.");
        group.MapPost("/", Create).WithName("CreateChange").WithSummary("Draft a change. Provider staff draft provider changes; tenant admins draft their own tenant's changes.");
        group.MapGet("/{id:int}", Get).WithName("GetChange").WithSummary("One change with its checklist and mitigations. Sends an ETag.");
        group.MapPut("/{id:int}", Update).WithName("UpdateChange").WithSummary("Replace the content of a change. Honours If-Match.");
        foreach (var action in Enum.GetValues<ChangeAction>())
        {
            var name = EnumNames.Of(action);
            group.MapPost($"/{{id:int}}/{name}", (int id, [FromHeader(Name = "If-Match")] string? ifMatch, ChangeWorkflow workflow, HttpContext http, CancellationToken ct) =>
                    Transition(id, action, ifMatch, workflow, http, ct))
                .WithName($"{action}Change")
                .WithSummary($"Lifecycle: {name} the change. Refused with 409 from a state that does not allow it. Honours If-Match.");
        }
        group.MapPost("/{id:int}/mitigations", AddMitigation).WithName("AddMitigation")
            .WithSummary("Record a mitigation as applied. An emergency change cannot be announced before one is recorded.");
        group.MapPost("/{id:int}/checklist/{taskId:guid}/complete", CompleteTask).WithName("CompleteChecklistTask")
            .WithSummary("Record a checklist task as done. Only the party that owes the task can.");
        return app;
    }

    static async Task<Ok<ChangePage>> List(
        string? state, string? type, string? scope, string? q, Guid? tenantId, int? skip, int? top, ChangeWorkflow workflow, CancellationToken ct) =>
        TypedResults.Ok(await workflow.ListAsync(new ChangeFilter(state, type, scope, q, tenantId, skip ?? 0, top ?? 50), ct));

    static async Task<Created<ChangeView>> Create(ChangeInput input, ChangeWorkflow workflow, HttpContext http, CancellationToken ct)
    {
        var view = await workflow.CreateAsync(input, ct);
        http.Response.Headers.ETag = view.ETag;
        return TypedResults.Created($"/api/changes/{view.Id}", view);
    }

    static async Task<Results<Ok<ChangeView>, StatusCodeHttpResult>> Get(
        int id, [FromHeader(Name = "If-None-Match")] string? ifNoneMatch, ChangeWorkflow workflow, HttpContext http, CancellationToken ct)
    {
        var view = await workflow.GetAsync(id, ct);
        http.Response.Headers.ETag = view.ETag;
        if (ifNoneMatch is not null && ifNoneMatch.Split(',').Any(e => e.Trim() == view.ETag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Ok(view);
    }

    static async Task<Ok<ChangeView>> Update(
        int id, ChangeInput input, [FromHeader(Name = "If-Match")] string? ifMatch, ChangeWorkflow workflow, HttpContext http, CancellationToken ct) =>
        WithETag(await workflow.UpdateAsync(id, input, ifMatch, ct), http);

    static async Task<Ok<ChangeView>> Transition(int id, ChangeAction action, string? ifMatch, ChangeWorkflow workflow, HttpContext http, CancellationToken ct) =>
        WithETag(await workflow.TransitionAsync(id, action, ifMatch, ct), http);

    static async Task<Ok<ChangeView>> AddMitigation(
        int id, MitigationInput input, [FromHeader(Name = "If-Match")] string? ifMatch, ChangeWorkflow workflow, HttpContext http, CancellationToken ct) =>
        WithETag(await workflow.AddMitigationAsync(id, input.Description, input.AppliedAt, ifMatch, ct), http);

    static async Task<Ok<ChangeView>> CompleteTask(int id, Guid taskId, ChangeWorkflow workflow, HttpContext http, CancellationToken ct) =>
        WithETag(await workflow.CompleteTaskAsync(id, taskId, ct), http);

    static Ok<ChangeView> WithETag(ChangeView view, HttpContext http)
    {
        http.Response.Headers.ETag = view.ETag;
        return TypedResults.Ok(view);
    }
}
