using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Approvals.Pages;

/// <summary>The target of the signed link in approval emails. Signing in is still required (the folder is protected).</summary>
public sealed class RespondModel(ApprovalLinks links, ApprovalService approvals, CurrentUser me, ChangeDeskDb db) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Token { get; set; } = "";
    public ApprovalBoard? Board { get; private set; }
    public string? MessageId { get; private set; }
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        // The answer form posts to /approvals/decide, which comes back here with its confirmation.
        Message = TempData["message"] as string;
        if (links.Read(Token) is not { } target)
        {
            Error = "The link is not valid or has expired. Open the change from the Message Center instead.";
            return Page();
        }
        if (me.TenantId != target.TenantId)
        {
            Error = "This link is for another tenant's admins. Sign in with an account of the tenant the email was sent to.";
            return Page();
        }
        Board = await approvals.BoardAsync(target.ChangeId, ct);
        MessageId = await db.Messages.Where(m => m.ChangeId == target.ChangeId).Select(m => m.Id).FirstOrDefaultAsync(ct);
        return Page();
    }
}
