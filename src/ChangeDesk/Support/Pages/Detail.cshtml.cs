using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Support.Pages;

public sealed class DetailModel(
    SupportRequestReader reader, CommentOnSupportRequest comment, AttachToSupportRequest attach, AssignSupportRequest assign,
    TransitionSupportRequest transition, CurrentUser me) : ActionPageModel
{
    [BindProperty(SupportsGet = true)] public string Number { get; set; } = "";

    public SupportRequestView? Current { get; private set; }
    public IReadOnlyList<SupportEngineerView> Engineers { get; private set; } = [];
    public bool IsProvider => me.IsProvider;
    public Guid? MyId => me.Id;
    public long MaxAttachmentBytes => attach.MaxBytes;
    public string? Message { get; private set; }
    public string? Draft { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        return await LoadAsync(ct);
    }

    /// <summary>One text box, several buttons: post a comment or an internal note, or take an action with the text as its comment.</summary>
    public Task<IActionResult> OnPostAsync(string? intent, string? body, int version, CancellationToken ct) =>
        Act(async () =>
        {
            switch (intent)
            {
                case "comment":
                    await comment.HandleAsync(Number, body, isInternal: false, ct);
                    return "Comment posted.";
                case "internal":
                    await comment.HandleAsync(Number, body, isInternal: true, ct);
                    return "Internal note added.";
                default:
                    if (!EnumNames.TryParse<SupportAction>(intent, out var action))
                    {
                        throw ValidationFailedException.For("intent", $"Unknown action '{intent}'.");
                    }
                    await transition.HandleAsync(Number, action, body, EntityTags.Of(version), ct);
                    return SupportLabels.Done(action);
            }
        }, body, ct);

    public Task<IActionResult> OnPostAssignAsync(Guid? assigneeId, int version, CancellationToken ct) =>
        Act(async () =>
        {
            var view = await assign.HandleAsync(Number, assigneeId, null, EntityTags.Of(version), ct);
            return view.AssigneeName is { } name ? $"Assigned to {name}." : "Unassigned.";
        }, null, ct);

    public Task<IActionResult> OnPostAttachAsync(IFormFile? file, CancellationToken ct) =>
        Act(async () =>
        {
            if (file is null)
            {
                throw ValidationFailedException.For("file", "Choose a file to attach.");
            }
            var view = await attach.HandleAsync(Number, file, ct);
            return $"Attached {view.Attachments[^1].FileName}.";
        }, null, ct);

    protected override string Subject => "request";

    protected override IActionResult Done() => Redirect($"/support/{Number}");

    protected override bool ShowsOnPage(ProblemException refusal) => refusal is not NotFoundException;

    protected override Task<IActionResult> ReloadAsync(CancellationToken ct) => LoadAsync(ct);

    /// <summary>Keeps what was typed, so a refused action does not lose the comment.</summary>
    Task<IActionResult> Act(Func<Task<string>> work, string? draft, CancellationToken ct)
    {
        Draft = draft;
        return ActAsync(work, ct);
    }

    async Task<IActionResult> LoadAsync(CancellationToken ct)
    {
        try
        {
            Current = await reader.GetAsync(Number, ct);
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        Engineers = Current.CanAssign ? await reader.EngineersAsync(ct) : [];
        return Page();
    }
}
