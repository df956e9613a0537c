using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Approvals;

public sealed record ApproverInput(
    [property: MaxLength(InputBounds.Address)] string? ApproverEmail, [property: MaxLength(InputBounds.Address)] string? DelegateEmail, DateTimeOffset? AwayFrom, DateTimeOffset? AwayUntil);

public static class ApprovalsApi
{
    public static IEndpointRouteBuilder MapApprovals(this IEndpointRouteBuilder app)
    {
        var changes = app.MapGroup("/api/changes/{id:int}/approvals").WithTags("Approvals").RequireAuthorization();
        changes.MapGet("/", async (int id, ApprovalService s, CancellationToken ct) => TypedResults.Ok(await s.BoardAsync(id, ct)))
            .WithName("GetApprovalBoard").WithSummary("Each targeted tenant's answer and the provider-side state (waiting-on-customers, ready, blocked-by-decline).");
        changes.MapPost("/", async (int id, DecisionInput input, ApprovalService s, CancellationToken ct) => TypedResults.Ok(await s.DecideAsync(id, input.Decision, input.Reason, ct)))
            .WithName("DecideApproval").WithSummary("decision: approve, decline (reason required) or acknowledge, for the caller's tenant.");

        var approvals = app.MapGroup("/api/approvals").WithTags("Approvals").RequireAuthorization();
        approvals.MapGet("/overdue", async (ApprovalService s, CancellationToken ct) => TypedResults.Ok(await s.OverdueAsync(ct)))
            .WithName("ListOverdueApprovals").WithSummary("Requests past their deadline without an answer (all tenants for the provider).");
        approvals.MapGet("/pending", async (ApprovalService s, CancellationToken ct) => TypedResults.Ok(await s.PendingForMeAsync(ct)))
            .WithName("ListPendingApprovals").WithSummary("Requests waiting for an answer.");

        var approvers = app.MapGroup("/api/tenants/{tenantId:guid}/approvers").WithTags("Approvals").RequireAuthorization();
        approvers.MapGet("/", async (Guid tenantId, ApprovalService s, CancellationToken ct) => TypedResults.Ok(await s.ApproversAsync(tenantId, ct)))
            .WithName("ListApprovers");
        approvers.MapPut("/", async (Guid tenantId, ApproverInput input, ApprovalService s, CancellationToken ct) =>
                TypedResults.Ok(await s.SetApproverAsync(tenantId, input.ApproverEmail, input.DelegateEmail, input.AwayFrom, input.AwayUntil, ct)))
            .WithName("SetApprover").WithSummary("Name an approver (a tenant admin), optionally a delegate and an absence during which the delegate answers.");
        approvers.MapDelete("/{userId:guid}", async (Guid tenantId, Guid userId, ApprovalService s, CancellationToken ct) =>
        {
            await s.RemoveApproverAsync(tenantId, userId, ct);
            return TypedResults.NoContent();
        }).WithName("RemoveApprover");
        return app;
    }
}
