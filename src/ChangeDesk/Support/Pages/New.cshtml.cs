using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support.Pages;

/// <summary>The fields of the request form, as the browser sends them.</summary>
public sealed class SupportRequestForm
{
    public string? Title { get; set; }
    public string? Description { get; set; }
    public string? Severity { get; set; } = "c";
    public int? AffectedUsers { get; set; }
    public int? ChangeId { get; set; }
    public string? ReleaseId { get; set; }
    public string? ContactName { get; set; }
    public string? ContactEmail { get; set; }
    public string? ContactPhone { get; set; }
}

public sealed record ChangeOption(int Id, string Label);

/// <summary>
/// Files a request. Opened from a change (<c>?change=12</c>), a release (<c>?release=…</c>) or a Message Center
/// post (<c>?message=MC100001</c>, which links the post's change), it starts with that link filled in.
/// </summary>
public sealed class NewModel(SupportService support, ChangeDeskDb db, CurrentUser me) : PageModel
{
    [BindProperty] public SupportRequestForm Form { get; set; } = new();

    public IReadOnlyList<ChangeOption> Changes { get; private set; } = [];
    public string? ReportedFrom { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? change, string? release, string? message, CancellationToken ct)
    {
        if (!support.CanFile)
        {
            return Forbid();
        }
        var user = await db.Users.AsNoTracking().Where(u => u.Id == me.Id).Select(u => new { u.DisplayName, u.Email }).FirstAsync(ct);
        Form.ContactName = user.DisplayName;
        Form.ContactEmail = user.Email;
        if (!string.IsNullOrWhiteSpace(message))
        {
            var id = message.Trim().ToUpperInvariant();
            var changeOfMessage = await db.Messages.AsNoTracking().Where(m => m.Id == id).Select(m => (int?)m.ChangeId).FirstOrDefaultAsync(ct);
            if (changeOfMessage is { } c)
            {
                change ??= c;
                ReportedFrom = id;
            }
            else
            {
                Error = $"There is no Message Center post {message} for your tenant; link the change yourself if there is one.";
            }
        }
        if (change is { } changeId)
        {
            if (await db.Changes.AnyAsync(c => c.Id == changeId, ct))
            {
                Form.ChangeId = changeId;
            }
            else
            {
                Error = $"There is no change {changeId} that your tenant can see.";
            }
        }
        if (!string.IsNullOrWhiteSpace(release))
        {
            if (Guid.TryParse(release, out var releaseId))
            {
                Form.ReleaseId = releaseId.ToString();
            }
            else
            {
                Error = $"'{release}' is not a release id.";
            }
        }
        await LoadChangesAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? reportedFrom, CancellationToken ct)
    {
        if (!support.CanFile)
        {
            return Forbid();
        }
        ModelState.Clear();
        ReportedFrom = reportedFrom;
        try
        {
            Guid? releaseId = null;
            if (!string.IsNullOrWhiteSpace(Form.ReleaseId))
            {
                releaseId = Guid.TryParse(Form.ReleaseId, out var parsed)
                    ? parsed
                    : throw ValidationFailedException.For("releaseId", "A release id looks like 0195e3c4-…: copy it from the release, or leave it empty.");
            }
            var filed = await support.CreateAsync(new SupportRequestInput
            {
                Title = Form.Title, Description = Form.Description, Severity = Form.Severity, AffectedUsers = Form.AffectedUsers,
                ChangeId = Form.ChangeId, ReleaseId = releaseId, ContactName = Form.ContactName, ContactEmail = Form.ContactEmail, ContactPhone = Form.ContactPhone,
            }, ct);
            TempData["message"] = $"{filed.Number} filed. The provider's first response is due by {Display.When(filed.FirstResponseDueAt)}.";
            return Redirect($"/support/{filed.Number}");
        }
        catch (ProblemException e)
        {
            Error = PageProblems.Apply(e, ModelState, "Form.");
            await LoadChangesAsync(ct);
            return Page();
        }
    }

    async Task LoadChangesAsync(CancellationToken ct)
    {
        var recent = await db.Changes.AsNoTracking()
            .OrderByDescending(c => c.PlannedStart).ThenByDescending(c => c.Id).Take(200)
            .Select(c => new ChangeOption(c.Id, "CHG-" + c.Id + " " + c.Title)).ToListAsync(ct);
        if (Form.ChangeId is { } chosen && recent.All(c => c.Id != chosen))
        {
            recent.InsertRange(0, await db.Changes.AsNoTracking().Where(c => c.Id == chosen)
                .Select(c => new ChangeOption(c.Id, "CHG-" + c.Id + " " + c.Title)).ToListAsync(ct));
        }
        Changes = recent;
    }
}
