using ChangeDesk.Changes.Checklist;
using ChangeDesk.Changes.Create;
using ChangeDesk.Changes.Edit;
using ChangeDesk.Changes.Mitigations;
using ChangeDesk.Changes.Read;
using ChangeDesk.Changes.Transition;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Changes;

public sealed record MitigationInput([property: MaxLength(InputBounds.Text)] string? Description, DateTimeOffset? AppliedAt);

public static class ChangesApi
{
    public static IEndpointRouteBuilder MapChanges(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/changes").WithTags("Changes").RequireAuthorization().WithEntityTags();
        group.MapGet("/", List).WithName("ListChanges").WithSummary("List the changes you can see, newest planned start first.");
        group.MapPost("/", Create).WithName("CreateChange").WithSummary("Draft a change. Provider staff draft provider changes; tenant admins draft their own tenant's changes.");
        group.MapGet("/{id:int}", Get).WithName("GetChange").WithSummary("One change with its checklist and mitigations. Sends an ETag; honours If-None-Match with 304.")
            .Produces(StatusCodes.Status304NotModified);
        group.MapPut("/{id:int}", Update).WithName("UpdateChange").WithSummary("Replace the content of a change. Honours If-Match.");
        foreach (var action in Enum.GetValues<ChangeAction>())
        {
            var name = EnumNames.Of(action);
            group.MapPost($"/{{id:int}}/{name}", (int id, [FromHeader(Name = "If-Match")] string? ifMatch, TransitionChange transition, CancellationToken ct) =>
                    Transition(id, action, ifMatch, transition, ct))
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
        string? state, string? type, string? scope, string? q, Guid? tenantId, int? skip, int? top, ChangeReader reader, CancellationToken ct) =>
        TypedResults.Ok(await reader.ListAsync(new ChangeFilter(state, type, scope, q, tenantId, skip ?? 0, top ?? 50), ct));

    static async Task<Created<ChangeView>> Create(ChangeInput input, CreateChange create, CancellationToken ct)
    {
        var view = await create.HandleAsync(input, ct);
        return TypedResults.Created($"/api/changes/{view.Id}", view);
    }

    static async Task<Ok<ChangeView>> Get(int id, ChangeReader reader, CancellationToken ct) => TypedResults.Ok(await reader.GetAsync(id, ct));

    static async Task<Ok<ChangeView>> Update(
        int id, ChangeInput input, [FromHeader(Name = "If-Match")] string? ifMatch, EditChange edit, CancellationToken ct) =>
        TypedResults.Ok(await edit.HandleAsync(id, input, ifMatch, ct));

    static async Task<Ok<ChangeView>> Transition(int id, ChangeAction action, string? ifMatch, TransitionChange transition, CancellationToken ct) =>
        TypedResults.Ok(await transition.HandleAsync(id, action, ifMatch, ct));

    static async Task<Ok<ChangeView>> AddMitigation(
        int id, MitigationInput input, [FromHeader(Name = "If-Match")] string? ifMatch, RecordMitigation record, CancellationToken ct) =>
        TypedResults.Ok(await record.HandleAsync(id, input.Description, input.AppliedAt, ifMatch, ct));

    static async Task<Ok<ChangeView>> CompleteTask(int id, Guid taskId, CompleteTask complete, CancellationToken ct) =>
        TypedResults.Ok(await complete.HandleAsync(id, taskId, ct));
}
