using ChangeDesk.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Tenancy.Pages;

[Authorize(Policy = Policies.ProviderAdmin)]
public sealed class TenantsModel(Accounts accounts) : PageModel
{
    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        Tenants = await accounts.TenantsAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(string? name, CancellationToken ct)
    {
        try
        {
            var tenant = await accounts.CreateTenantAsync(name, ct);
            TempData["message"] = $"Tenant '{tenant.Name}' created.";
            return RedirectToPage();
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            Tenants = await accounts.TenantsAsync(ct);
            return Page();
        }
    }
}
