using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Web;

public sealed class LogoutModel : PageModel
{
    public IActionResult OnGet() => Redirect("/changes");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(AuthSchemes.Cookie);
        return Redirect("/login");
    }
}
