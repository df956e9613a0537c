using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChangeDesk.Support;

public static class AssignEndpoint
{
    public static RouteGroupBuilder MapAssignSupportRequest(this RouteGroupBuilder group)
    {
        group.MapPost("/{number}/assign", Assign).WithName("AssignSupportRequest")
            .WithSummary("Assign to a support engineer by assigneeId or assigneeEmail; neither unassigns. Support engineers only. Honours If-Match.")
            .ProducesValidationProblem();
        return group;
    }

    static async Task<Ok<SupportRequestView>> Assign(
        string number, AssignInput input, [FromHeader(Name = "If-Match")] string? ifMatch, AssignSupportRequest assign, CancellationToken ct) =>
        TypedResults.Ok(await assign.HandleAsync(number, input.AssigneeId, input.AssigneeEmail, ifMatch, ct));
}
