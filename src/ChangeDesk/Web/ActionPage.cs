using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Web;

/// <summary>
/// A page whose forms run actions. An action that succeeds shows its message after a redirect (post, redirect, get),
/// so a reload does not repeat it; one that a rule refuses shows the page again with the reason, and what was typed.
/// </summary>
public abstract class ActionPageModel : PageModel
{
    /// <summary>Why the last action was refused, shown above the page.</summary>
    public string? Error { get; protected set; }

    /// <summary>What the page shows ("change", "release"), named when a stale version is refused.</summary>
    protected virtual string Subject => "page";

    /// <summary>Loads what the page shows, after a refused action.</summary>
    protected abstract Task<IActionResult> ReloadAsync(CancellationToken ct);

    /// <summary>Where a successful action goes: the page itself, with the same route values.</summary>
    protected virtual IActionResult Done() => RedirectToPage();

    /// <summary>Whether a refusal is shown on the page; others (a missing resource) answer as they would anywhere.</summary>
    protected virtual bool ShowsOnPage(ProblemException refusal) => true;

    protected async Task<IActionResult> ActAsync(Func<Task<string>> action, CancellationToken ct)
    {
        try
        {
            TempData["message"] = await action();
            return Done();
        }
        catch (ProblemException e) when (ShowsOnPage(e))
        {
            Error = e is PreconditionFailedException
                ? $"Someone changed this {Subject} since you opened it. The page now shows the current version: check it and try again."
                : e.Message;
            return await ReloadAsync(ct);
        }
    }
}
