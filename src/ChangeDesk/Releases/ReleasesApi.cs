using ChangeDesk.Releases.Bundle;
using ChangeDesk.Releases.Calendar;
using ChangeDesk.Releases.Cancel;
using ChangeDesk.Releases.Edit;
using ChangeDesk.Releases.Mitigation;
using ChangeDesk.Releases.Start;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Releases;

/// <summary>The body of the writes that only take a reason: cancelling a release, overriding its blackout windows.</summary>
public sealed record ReasonInput([property: MaxLength(InputBounds.Text)] string? Reason);

public static class ReleasesApi
{
    public static IEndpointRouteBuilder MapReleases(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/releases").WithTags("Releases").RequireAuthorization().WithEntityTags();
        group.MapGet("/", List).WithName("ListReleases").WithSummary("Releases you can see (the provider: all; a tenant: those that reach it), latest planned start first.");
        group.MapPost("/", Create).WithName("CreateRelease")
            .WithSummary("Create a release. kind: security or non-security (planned start at least the schedule notice ahead) or out-of-band (an emergency, any time).");
        group.MapPost("/calendar", Calendar).WithName("GenerateReleaseCalendar")
            .WithSummary("Create the month's calendar releases (second Tuesday security release, fourth Tuesday preview when enabled). Idempotent: a month generated twice adds nothing.");
        group.MapGet("/{id:guid}", Get).WithName("GetRelease")
            .WithSummary("A release with its changes, thresholds, and the rings whose planned start falls in a blackout window. Sends an ETag; honours If-None-Match with 304.")
            .Produces(StatusCodes.Status304NotModified);
        group.MapPut("/{id:guid}", Update).WithName("UpdateRelease")
            .WithSummary("Replace a release's content. Before the start everything but the kind; in progress the title, description and thresholds. Honours If-Match.");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteRelease").WithSummary("Delete a scheduled release that nothing was posted about yet; otherwise cancel it.");
        group.MapPost("/{id:guid}/changes", Bundle).WithName("BundleChanges").WithSummary("Add provider changes to a scheduled release.");
        group.MapDelete("/{id:guid}/changes/{changeId:int}", Unbundle).WithName("UnbundleChange").WithSummary("Take a change out of a scheduled release.");
        group.MapPost("/{id:guid}/mitigation", Mitigation).WithName("RecordReleaseMitigation")
            .WithSummary("Record the mitigation applied for an out-of-band release; it cannot start (and notify) before one is recorded.");
        group.MapPost("/{id:guid}/blackout-override", OverrideBlackouts).WithName("OverrideBlackouts")
            .WithSummary("Let an out-of-band release start rings inside blackout windows, recording why.");
        group.MapPost("/{id:guid}/start", Start).WithName("StartRelease")
            .WithSummary("Start now: an out-of-band release once its mitigation is recorded; a scheduled one from its planned start (it also starts by itself then).");
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelRelease").WithSummary("Cancel a scheduled or running release, with the reason tenants read.");
        group.MapGet("/{id:guid}/rollout", Rollout).WithName("GetRollout")
            .WithSummary("Per tenant and ring: state, start and soak times, gate status with reasons, pauses, signals and their hourly history.");
        group.MapPost("/{id:guid}/pause", Pause).WithName("PauseRollout")
            .WithSummary("Pause the rollout. A tenant admin pauses its own tenant; the provider pauses the tenant named by tenantId, or every tenant without one.");
        group.MapPost("/{id:guid}/resume", Resume).WithName("ResumeRollout")
            .WithSummary("Lift the caller's side's pause (tenant or provider). The provider cannot lift a tenant's pause: 409 paused-by-tenant.");
        group.MapPost("/{id:guid}/expedite", Expedite).WithName("ExpediteRollout")
            .WithSummary("Start every remaining ring now (one tenant, or all without tenantId). Pauses, approvals and blackouts still hold.");

        var rings = app.MapGroup("/api/tenants/{tenantId:guid}/rings").WithTags("Rings").RequireAuthorization();
        rings.MapGet("/", async (Guid tenantId, RingsAndBlackouts s, CancellationToken ct) => TypedResults.Ok(await s.RingsAsync(tenantId, ct)))
            .WithName("GetRings").WithSummary("The tenant's ring plan (the default Test, First, Fast, Broad until it sets its own).");
        rings.MapPut("/", async (Guid tenantId, RingPlanInput input, RingsAndBlackouts s, CancellationToken ct) => TypedResults.Ok(await s.SetRingsAsync(tenantId, input.Rings, ct)))
            .WithName("SetRings").WithSummary("Replace the tenant's ring plan (tenant admins, provider admins). Rollouts in progress keep the plan they started with.");

        var blackouts = app.MapGroup("/api/blackouts").WithTags("Blackout windows").RequireAuthorization();
        blackouts.MapGet("/", async (Guid? tenantId, bool? includePast, RingsAndBlackouts s, CancellationToken ct) =>
                TypedResults.Ok(await s.BlackoutsAsync(tenantId, includePast ?? false, ct)))
            .WithName("ListBlackouts").WithSummary("Blackout windows you can see: service-wide ones and your tenant's (the provider: all, or a tenant's with tenantId).");
        blackouts.MapPost("/", async (BlackoutInput input, RingsAndBlackouts s, CancellationToken ct) =>
            {
                var view = await s.CreateBlackoutAsync(input, ct);
                return TypedResults.Created($"/api/blackouts/{view.Id}", view);
            })
            .WithName("CreateBlackout").WithSummary("Add a window (tenantId null: service-wide, provider only). The response lists the planned ring starts it conflicts with.");
        blackouts.MapPut("/{id:guid}", async (Guid id, BlackoutInput input, RingsAndBlackouts s, CancellationToken ct) => TypedResults.Ok(await s.UpdateBlackoutAsync(id, input, ct)))
            .WithName("UpdateBlackout");
        blackouts.MapDelete("/{id:guid}", async (Guid id, RingsAndBlackouts s, CancellationToken ct) =>
            {
                await s.DeleteBlackoutAsync(id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteBlackout");

        app.MapGet("/api/gates", Gate).WithTags("Gates").RequireAuthorization().WithName("GetGate")
            .WithSummary("For deployment tools: may this ring of this tenant deploy this release now? allowed, prevented (with reasons) or awaiting (with the instant).");
        return app;
    }

    static async Task<Ok<List<ReleaseSummary>>> List(string? state, string? kind, int? year, int? month, ReleaseReader reader, CancellationToken ct) =>
        TypedResults.Ok(await reader.ListAsync(new ReleaseFilter(state, kind, year, month), ct));

    static async Task<Created<ReleaseView>> Create(ReleaseInput input, CreateRelease create, CancellationToken ct)
    {
        var view = await create.RunAsync(input, ct);
        return TypedResults.Created($"/api/releases/{view.Id}", view);
    }

    static async Task<Ok<CalendarResult>> Calendar(CalendarInput input, GenerateCalendar generate, CancellationToken ct) =>
        TypedResults.Ok(await generate.RunAsync(input, ct));

    static async Task<Ok<ReleaseView>> Get(Guid id, ReleaseReader reader, CancellationToken ct) => TypedResults.Ok(await reader.GetAsync(id, ct));

    static async Task<Ok<ReleaseView>> Update(Guid id, ReleaseInput input, [FromHeader(Name = "If-Match")] string? ifMatch, UpdateRelease update, CancellationToken ct) =>
        TypedResults.Ok(await update.RunAsync(id, input, ifMatch, ct));

    static async Task<NoContent> Delete(Guid id, DeleteRelease delete, CancellationToken ct)
    {
        await delete.RunAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<ReleaseView>> Bundle(Guid id, ChangeIdsInput input, BundleChanges bundle, CancellationToken ct) =>
        TypedResults.Ok(await bundle.RunAsync(id, input.ChangeIds, ct));

    static async Task<Ok<ReleaseView>> Unbundle(Guid id, int changeId, UnbundleChange unbundle, CancellationToken ct) =>
        TypedResults.Ok(await unbundle.RunAsync(id, changeId, ct));

    static async Task<Ok<ReleaseView>> Mitigation(Guid id, ReleaseMitigationInput input, RecordMitigation record, CancellationToken ct) =>
        TypedResults.Ok(await record.RunAsync(id, input.Description, input.AppliedAt, ct));

    static async Task<Ok<ReleaseView>> OverrideBlackouts(Guid id, ReasonInput input, OverrideBlackouts @override, CancellationToken ct) =>
        TypedResults.Ok(await @override.RunAsync(id, input.Reason, ct));

    static async Task<Ok<ReleaseView>> Start(Guid id, [FromHeader(Name = "If-Match")] string? ifMatch, StartRelease start, CancellationToken ct) =>
        TypedResults.Ok(await start.RunAsync(id, ifMatch, ct));

    static async Task<Ok<ReleaseView>> Cancel(Guid id, ReasonInput input, CancelRelease cancel, CancellationToken ct) =>
        TypedResults.Ok(await cancel.RunAsync(id, input.Reason, ct));

    static async Task<Ok<RolloutView>> Rollout(Guid id, Guid? tenantId, RolloutQueries q, CancellationToken ct) =>
        TypedResults.Ok(await q.ViewAsync(id, tenantId, ct));

    static async Task<Ok<RolloutView>> Pause(Guid id, PauseInputBody input, RolloutService s, CancellationToken ct) =>
        TypedResults.Ok(await s.PauseAsync(id, input.TenantId, input.Reason, ct));

    static async Task<Ok<RolloutView>> Resume(Guid id, PauseInputBody? input, RolloutService s, CancellationToken ct) =>
        TypedResults.Ok(await s.ResumeAsync(id, input?.TenantId, input?.Reason, ct));

    static async Task<Ok<RolloutView>> Expedite(Guid id, PauseInputBody input, RolloutService s, CancellationToken ct) =>
        TypedResults.Ok(await s.ExpediteAsync(id, input.TenantId, input.Reason, ct));

    static async Task<Ok<GateView>> Gate(Guid? release, Guid? tenant, string? ring, RolloutQueries q, CancellationToken ct) =>
        TypedResults.Ok(await q.GateAsync(release, tenant, ring, ct));

}
