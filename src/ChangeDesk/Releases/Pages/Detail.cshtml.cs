using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Releases.Bundle;
using ChangeDesk.Releases.Cancel;
using ChangeDesk.Releases.Mitigation;
using ChangeDesk.Releases.Start;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases.Pages;

/// <summary>
/// A release and its rollout: per tenant and ring the state, times, device counts, gate answers and charts, every
/// pause with who, which side, why and when, and the actions the viewer may take. Tenants see their own tenant only.
/// </summary>
public sealed class DetailModel(ReleaseReader releases, RolloutService rollouts, RolloutQueries queries, ChangeDeskDb db, CurrentUser me) : ActionPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }

    public ReleaseView Release { get; private set; } = null!;
    public RolloutView Rollout { get; private set; } = null!;

    /// <summary>Provider changes that could still be bundled in this release.</summary>
    public IReadOnlyList<(int Id, string Title)> Bundleable { get; private set; } = [];

    public Dictionary<Guid, string> TenantNames { get; private set; } = [];
    public string? Message { get; private set; }

    public bool IsProvider => me.IsProvider;
    public bool IsTenantAdmin => me.Is(Role.TenantAdmin);
    public Guid? OwnTenant => me.TenantId;

    public bool Can(string action) => Release.AllowedActions.Contains(action);

    /// <summary>Whether the viewer's side may lift a pause: each side lifts its own, the provider never a tenant's.</summary>
    public bool CanLift(PauseView pause) => pause.IsActive && Can("resume") && (pause.Side == PauseSide.Tenant ? IsTenantAdmin && pause.TenantId == OwnTenant : IsProvider);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        Error = TempData["error"] as string;
        return await LoadAsync(ct);
    }

    public Task<IActionResult> OnPostStartAsync(int version, [FromServices] StartRelease start, CancellationToken ct) =>
        ActAsync(async () => { await start.RunAsync(Id, EntityTags.Of(version), ct); return "Release started: every tenant got its start post."; }, ct);

    public Task<IActionResult> OnPostCancelAsync(string? reason, [FromServices] CancelRelease cancel, CancellationToken ct) =>
        ActAsync(async () => { await cancel.RunAsync(Id, reason, ct); return "Release cancelled."; }, ct);

    public Task<IActionResult> OnPostPauseAsync(Guid? tenantId, string? reason, CancellationToken ct) =>
        ActAsync(async () => { await rollouts.PauseAsync(Id, tenantId, reason, ct); return tenantId is null && IsProvider ? "Rollout paused for every tenant." : "Rollout paused."; }, ct);

    public Task<IActionResult> OnPostResumeAsync(Guid? tenantId, string? reason, CancellationToken ct) =>
        ActAsync(async () => { await rollouts.ResumeAsync(Id, tenantId, reason, ct); return "Pause lifted."; }, ct);

    public Task<IActionResult> OnPostExpediteAsync(Guid? tenantId, string? reason, CancellationToken ct) =>
        ActAsync(async () => { await rollouts.ExpediteAsync(Id, tenantId, reason, ct); return "Rollout expedited: the remaining rings start now."; }, ct);

    public Task<IActionResult> OnPostBundleAsync(int? changeId, [FromServices] BundleChanges bundle, CancellationToken ct) =>
        ActAsync(async () => { await bundle.RunAsync(Id, changeId is { } c ? [c] : [], ct); return $"CHG-{changeId} bundled."; }, ct);

    public Task<IActionResult> OnPostUnbundleAsync(int changeId, [FromServices] UnbundleChange unbundle, CancellationToken ct) =>
        ActAsync(async () => { await unbundle.RunAsync(Id, changeId, ct); return $"CHG-{changeId} taken out of the release."; }, ct);

    public Task<IActionResult> OnPostMitigationAsync(string? description, [FromServices] RecordMitigation record, CancellationToken ct) =>
        ActAsync(async () => { await record.RunAsync(Id, description, null, ct); return "Mitigation recorded."; }, ct);

    public Task<IActionResult> OnPostOverrideBlackoutsAsync(string? reason, [FromServices] OverrideBlackouts overrideBlackouts, CancellationToken ct) =>
        ActAsync(async () => { await overrideBlackouts.RunAsync(Id, reason, ct); return "Blackout windows overridden for this emergency release."; }, ct);

    protected override string Subject => "release";

    protected override IActionResult Done() => RedirectToPage(new { Id });

    protected override bool ShowsOnPage(ProblemException refusal) => refusal is not NotFoundException;

    protected override Task<IActionResult> ReloadAsync(CancellationToken ct) => LoadAsync(ct);

    async Task<IActionResult> LoadAsync(CancellationToken ct)
    {
        try
        {
            Release = await releases.GetAsync(Id, ct);
            Rollout = await queries.ViewAsync(Id, me.IsProvider ? null : me.TenantId, ct);
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        TenantNames = await db.Tenants.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        if (Can("bundle"))
        {
            var bundled = Release.Changes.Select(c => c.Id).ToList();
            Bundleable = (await db.Changes.AsNoTracking()
                    .Where(c => c.OwnerTenantId == null && !bundled.Contains(c.Id) && c.State != ChangeState.Cancelled && c.State != ChangeState.RolledBack)
                    .OrderByDescending(c => c.Id).Select(c => new { c.Id, c.Title }).Take(200).ToListAsync(ct))
                .Select(c => (c.Id, c.Title)).ToList();
        }
        return Page();
    }

    public static string KindLabel(ReleaseKind kind) => kind switch
    {
        ReleaseKind.Security => "Monthly security",
        ReleaseKind.NonSecurity => "Non-security preview",
        _ => "Out-of-band (emergency)",
    };

    public static string Size(RingView ring) =>
        ring.Devices is { } d ? $"{d:N0} devices" : ring.SharePercent is { } s ? $"{s:0.##} % of devices" : "—";

    public static string Percent(double? value) => value is { } v ? Signals.ThresholdEvaluator.Percent(v) : "—";

    public static string PauseSideText(PauseView p) =>
        p.Side == PauseSide.Tenant ? "the tenant" : p.ServiceWide ? "the provider, for every tenant" : "the provider";

    /// <summary>A gate reason as the ring table shows it: a pause by who paused (the pause list above has the why), the rest in full.</summary>
    public static string ReasonText(GateReasonDetail reason) => reason.Code switch
    {
        GateReason.PausedByTenant => "Paused by the tenant (see the pause above).",
        GateReason.PausedByProvider => "Paused by the provider (see the pause above).",
        _ => reason.Detail,
    };

    public static string GateClass(GateStatus gate) => gate switch
    {
        GateStatus.Allowed => "gate-allowed",
        GateStatus.Prevented => "gate-prevented",
        _ => "gate-awaiting",
    };
}
