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

public sealed record ReleaseOption(Guid Id, string Label);

/// <summary>
/// Files a request. Opened from a change (<c>?change=12</c>), a release (<c>?release=…</c>) or a Message Center
/// post (<c>?message=MC100001</c>, which links the post's change), it starts with that link filled in.
/// </summary>
public sealed class NewModel(FileSupportRequest file, ChangeDeskDb db, CurrentUser me) : PageModel
{
    [BindProperty] public SupportRequestForm Form { get; set; } = new();

    public IReadOnlyList<ChangeOption> Changes { get; private set; } = [];
    public IReadOnlyList<ReleaseOption> Releases { get; private set; } = [];
    public string? ReportedFrom { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? change, string? release, string? message, CancellationToken ct)
    {
        if (!FileSupportRequest.MayFile(me))
        {
            return Forbid();
        }
        var user = await db.Users.AsNoTracking().Where(u => u.Id == me.Id).Select(u => new { u.DisplayName, u.Email }).FirstAsync(ct);
        Form.ContactName = user.DisplayName;
        Form.ContactEmail = user.Email;
        if (!string.IsNullOrWhiteSpace(message))
        {
            var id = message.Trim().ToUpperInvariant();
            var post = await db.Messages.AsNoTracking().Where(m => m.Id == id).Select(m => new { m.ChangeId, m.ReleaseId }).FirstOrDefaultAsync(ct);
            if (post is not null)
            {
                change ??= post.ChangeId;
                release ??= post.ReleaseId?.ToString();
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
            if (Guid.TryParse(release, out var releaseId) && await db.Releases.AnyAsync(r => r.Id == releaseId, ct))
            {
                Form.ReleaseId = releaseId.ToString();
            }
            else
            {
                Error = $"There is no release {release} that reaches your tenant.";
            }
        }
        await LoadChoicesAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? reportedFrom, CancellationToken ct)
    {
        if (!FileSupportRequest.MayFile(me))
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
            var filed = await file.HandleAsync(new SupportRequestInput
            {
                Title = Form.Title,
                Description = Form.Description,
                Severity = Form.Severity,
                AffectedUsers = Form.AffectedUsers,
                ChangeId = Form.ChangeId,
                ReleaseId = releaseId,
                ContactName = Form.ContactName,
                ContactEmail = Form.ContactEmail,
                ContactPhone = Form.ContactPhone,
            }, ct);
            TempData["message"] = $"{filed.Number} filed. The provider's first response is due by {Display.When(filed.FirstResponseDueAt)}.";
            return Redirect($"/support/{filed.Number}");
        }
        catch (ProblemException e)
        {
            Error = PageProblems.Apply(e, ModelState, "Form.");
            await LoadChoicesAsync(ct);
            return Page();
        }
    }

    async Task LoadChoicesAsync(CancellationToken ct)
    {
        // Releases that reach the tenant (the query filter decides), newest first.
        var chosenRelease = Guid.TryParse(Form.ReleaseId, out var parsed) ? parsed : (Guid?)null;
        var releases = await db.Releases.AsNoTracking()
            .OrderByDescending(r => r.PlannedStart).Take(50)
            .Select(r => new { r.Id, r.Title, r.PlannedStart }).ToListAsync(ct);
        if (chosenRelease is { } id && releases.All(r => r.Id != id))
        {
            releases.InsertRange(0, await db.Releases.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.Id, r.Title, r.PlannedStart }).ToListAsync(ct));
        }
        Releases = releases.Select(r => new ReleaseOption(r.Id, $"{r.Title} ({r.PlannedStart.UtcDateTime:yyyy-MM-dd})")).ToList();

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
