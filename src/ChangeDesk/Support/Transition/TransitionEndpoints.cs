using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChangeDesk.Support;

public static class TransitionEndpoints
{
    /// <summary>One endpoint per lifecycle action: <c>POST /{number}/start</c>, <c>/resolve</c>, <c>/close</c>…</summary>
    public static RouteGroupBuilder MapTransitions(this RouteGroupBuilder group)
    {
        foreach (var action in Enum.GetValues<SupportAction>())
        {
            var name = EnumNames.Of(action);
            var side = SupportStateMachine.TakenBy(action) == Responsibility.Party.Provider ? "support engineers" : "the tenant's admins";
            group.MapPost($"/{{number}}/{name}", (string number, [FromBody] TransitionInput? input, [FromHeader(Name = "If-Match")] string? ifMatch,
                        TransitionSupportRequest transition, CancellationToken ct) => Transition(number, action, input, ifMatch, transition, ct))
                .WithName($"{action}SupportRequest")
                .WithSummary($"Lifecycle: {name} ({side}), with an optional public comment. Refused with 409 from a state that does not allow it. Honours If-Match.");
        }
        return group;
    }

    static async Task<Ok<SupportRequestView>> Transition(
        string number, SupportAction action, TransitionInput? input, string? ifMatch, TransitionSupportRequest transition, CancellationToken ct) =>
        TypedResults.Ok(await transition.HandleAsync(number, action, input?.Comment, ifMatch, ct));
}
