using System.Globalization;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Web;

public sealed class LoginModel(Accounts accounts, SignInLockout lockout) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var address = ClientAddress.Of(HttpContext);
        // While locked the password is not even checked: the right one gets the same answer as a wrong one.
        if (lockout.LockedFor(Email, address) is { } wait)
        {
            return Locked(wait);
        }
        var user = await accounts.CheckPasswordAsync(Email, Password, ct);
        if (user is null)
        {
            if (!string.IsNullOrWhiteSpace(Email) && !string.IsNullOrEmpty(Password))
            {
                lockout.Failed(Email, address);
            }
            Error = "The email or password is not right, or the account is disabled.";
            return Page();
        }
        lockout.Succeeded(Email);
        await HttpContext.SignInAsync(AuthSchemes.Cookie, ChangeDeskClaims.Principal(user, AuthSchemes.Cookie));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/changes");
    }

    PageResult Locked(TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var when = seconds <= 90 ? $"{seconds} seconds" : $"{(int)Math.Ceiling(seconds / 60.0)} minutes";
        Error = $"Sign-in is locked for a while after too many failed attempts for this email or from your network. Try again in {when}.";
        var page = Page();
        page.StatusCode = StatusCodes.Status429TooManyRequests;
        return page;
    }
}
