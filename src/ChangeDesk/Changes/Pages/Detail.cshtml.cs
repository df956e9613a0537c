using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes.Pages;

public sealed class DetailModel(
    Read.ChangeReader reader, Transition.TransitionChange transition, Mitigations.RecordMitigation recordMitigation, Checklist.CompleteTask completeTask,
    AuditTrail audit, MatrixService matrices, ChangeDeskDb db, Approvals.ApprovalService approvals, Support.SupportRequestReader support) : ActionPageModel
{
    [BindProperty(SupportsGet = true)] public int Id { get; set; }

    public ChangeView? Change { get; private set; }
    public IReadOnlyList<AuditEntryView> Timeline { get; private set; } = [];
    public Dictionary<Guid, string> TenantNames { get; private set; } = [];
    public string ProviderName { get; private set; } = "Provider";
    public string? OwnerName { get; private set; }
    public string ScopeName { get; private set; } = "";
    public string TypeName { get; private set; } = "";
    public string SubtypeName { get; private set; } = "";
    public Approvals.ApprovalBoard? Board { get; private set; }
    public string? Message { get; private set; }

    /// <summary>A tenant's admins can report a problem with the change to the provider's support team.</summary>
    public bool CanReportProblem => support.CanFile;

    /// <summary>How many support requests the caller can see that are linked to this change.</summary>
    public int SupportRequests { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        return await LoadAsync(ct);
    }

    public Task<IActionResult> OnPostTransitionAsync(string action, int version, CancellationToken ct) =>
        ActAsync(async () =>
        {
            if (!EnumNames.TryParse<ChangeAction>(action, out var a))
            {
                throw ValidationFailedException.For("action", $"Unknown action '{action}'.");
            }
            await transition.HandleAsync(Id, a, EntityTags.Of(version), ct);
            return $"Done: {Display.Label(a)}.";
        }, ct);

    public Task<IActionResult> OnPostMitigationAsync(string? mitigation, int version, CancellationToken ct) =>
        ActAsync(async () =>
        {
            await recordMitigation.HandleAsync(Id, mitigation, null, EntityTags.Of(version), ct);
            return "Mitigation recorded.";
        }, ct);

    public Task<IActionResult> OnPostCompleteAsync(Guid taskId, CancellationToken ct) =>
        ActAsync(async () =>
        {
            await completeTask.HandleAsync(Id, taskId, ct);
            return "Task marked done.";
        }, ct);

    protected override string Subject => "change";

    protected override IActionResult Done() => RedirectToPage(new { Id });

    protected override bool ShowsOnPage(ProblemException refusal) => refusal is not NotFoundException;

    protected override Task<IActionResult> ReloadAsync(CancellationToken ct) => LoadAsync(ct);

    async Task<IActionResult> LoadAsync(CancellationToken ct)
    {
        try
        {
            Change = await reader.GetAsync(Id, ct);
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        Timeline = await audit.ListAsync(Id, null, 1000, ct);
        if (Change.Consent != Consent.None && Change.State != ChangeState.Draft)
        {
            Board = await approvals.BoardAsync(Id, ct);
        }
        SupportRequests = (await support.ListAsync(new Support.SupportFilter(ChangeId: Id, Top: 1), ct)).Total;
        TenantNames = await db.Tenants.ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        ProviderName = await matrices.ProviderNameAsync(ct);
        OwnerName = Change.OwnerTenantId is { } o ? TenantNames.GetValueOrDefault(o) : null;
        ScopeName = (await matrices.ScopesAsync(ct)).First(s => s.Key == Change.Scope).Name;
        var type = (await ChangeTypesApi.ListAsync(db, ct)).FirstOrDefault(t => t.Key == Change.Type);
        TypeName = type?.Name ?? Change.Type;
        SubtypeName = type?.Subtypes.FirstOrDefault(s => s.Key == Change.Subtype)?.Name ?? Change.Subtype;
        return Page();
    }
}
