using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Approvals.Pages;

/// <summary>Receives the answer forms of the message, change and email-link pages.</summary>
public sealed class DecideModel(ApprovalService approvals) : PageModel
{
    [BindProperty(SupportsGet = true)] public int ChangeId { get; set; }
    public string? Error { get; private set; }
    public string BackLink => Request.Headers.Referer.ToString() is { Length: > 0 } r && Url.IsLocalUrl(new Uri(r).PathAndQuery) ? new Uri(r).PathAndQuery : $"/changes/{ChangeId}";

    public IActionResult OnGet() => Redirect($"/changes/{ChangeId}");

    public async Task<IActionResult> OnPostAsync(string? decision, string? reason, CancellationToken ct)
    {
        try
        {
            var result = await approvals.DecideAsync(ChangeId, decision, reason, ct);
            TempData["message"] = $"Recorded: {Display.Label(result.State).ToLowerInvariant()}.";
            return Redirect(BackLink);
        }
        catch (ProblemException e) when (e is not NotFoundException)
        {
            Error = e.Message;
            Response.StatusCode = e.Status;
            return Page();
        }
    }
}
