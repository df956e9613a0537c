using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Tenancy.Pages;

public sealed class TokensModel(Accounts accounts, CurrentUser me) : PageModel
{
    public IReadOnlyList<TokenView> Tokens { get; private set; } = [];
    public string? NewSecret { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Tokens = await accounts.TokensAsync(me.Id!.Value, ct);

    public async Task<IActionResult> OnPostAsync(string? name, CancellationToken ct)
    {
        try
        {
            NewSecret = (await accounts.CreateTokenAsync(me.Id!.Value, name, ct)).Secret;
        }
        catch (ProblemException e)
        {
            Error = e.Message;
        }
        Tokens = await accounts.TokensAsync(me.Id!.Value, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken ct)
    {
        await accounts.RevokeTokenAsync(me.Id!.Value, id, ct);
        return RedirectToPage();
    }
}
