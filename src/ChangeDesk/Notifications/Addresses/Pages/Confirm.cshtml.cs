using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Notifications.Addresses.Pages;

/// <summary>
/// The target of the link in a confirmation email. Opening it changes nothing (mail scanners open links): the
/// owner of the mailbox confirms with the button, a form post with an antiforgery token.
/// </summary>
public sealed class ConfirmModel(AddressConfirmation confirmation) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Token { get; set; } = "";
    public ConfirmationView? Address { get; private set; }
    public bool JustConfirmed { get; private set; }
    public string? Error { get; private set; }

    public Task<IActionResult> OnGetAsync(CancellationToken ct) => ShowAsync(async () => Address = await confirmation.ReadAsync(Token, ct));

    public Task<IActionResult> OnPostAsync(CancellationToken ct) => ShowAsync(async () =>
    {
        Address = await confirmation.ConfirmAsync(Token, ct);
        JustConfirmed = true;
    });

    async Task<IActionResult> ShowAsync(Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            Response.StatusCode = e.Status;
        }
        return Page();
    }
}
