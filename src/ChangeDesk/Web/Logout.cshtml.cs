using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Web;

public sealed class LogoutModel(Accounts accounts, CurrentUser me) : PageModel
{
    public IActionResult OnGet() => Redirect("/changes");

    /// <summary>Signing out ends the user's sessions everywhere, so a copy of the cookie is worthless too.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (me.Id is { } id)
        {
            await accounts.EndSessionsAsync(id, ct);
        }
        await HttpContext.SignOutAsync(AuthSchemes.Cookie);
        return Redirect("/login");
    }
}
