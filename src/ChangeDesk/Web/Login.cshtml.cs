using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Web;

public sealed class LoginModel(Accounts accounts) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var user = await accounts.CheckPasswordAsync(Email, Password, ct);
        if (user is null)
        {
            Error = "The email or password is not right, or the account is disabled.";
            return Page();
        }
        await HttpContext.SignInAsync(AuthSchemes.Cookie, ChangeDeskClaims.Principal(user, AuthSchemes.Cookie));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/changes");
    }
}
