using ChangeDesk.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Tenancy.Pages;

[Authorize(Roles = "provider-admin,tenant-admin")]
public sealed class UsersModel(Accounts accounts, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }

    public IReadOnlyList<UserView> Users { get; private set; } = [];
    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public Dictionary<Guid, string> TenantNames => Tenants.ToDictionary(t => t.Id, t => t.Name);
    public bool IsProviderAdmin => me.Is(Role.ProviderAdmin);
    public IReadOnlyList<Role> AssignableRoles => IsProviderAdmin ? Enum.GetValues<Role>() : [Role.TenantAdmin, Role.TenantReader];
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(string? email, string? displayName, string? role, string? password, CancellationToken ct)
    {
        try
        {
            var tenant = IsProviderAdmin ? TenantId : me.TenantId;
            var user = await accounts.CreateUserAsync(email, displayName, role, tenant, password ?? "", ct);
            TempData["message"] = $"User {user.Email} created as {user.Role}.";
            return RedirectToPage();
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            await LoadAsync(ct);
            return Page();
        }
    }

    public async Task<IActionResult> OnPostSignOutAsync(Guid userId, CancellationToken ct)
    {
        try
        {
            await accounts.EndSessionsAsync(userId, ct);
            TempData["message"] = "Every session of that user has ended; they must sign in again.";
            return RedirectToPage(new { TenantId });
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            await LoadAsync(ct);
            return Page();
        }
    }

    public async Task<IActionResult> OnPostRevokeTokensAsync(Guid userId, CancellationToken ct)
    {
        try
        {
            await accounts.RevokeTokenAsync(userId, null, ct);
            TempData["message"] = "Every API token of that user is revoked.";
            return RedirectToPage(new { TenantId });
        }
        catch (ProblemException e)
        {
            Error = e.Message;
            await LoadAsync(ct);
            return Page();
        }
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Tenants = await accounts.TenantsAsync(ct);
        Users = await accounts.UsersAsync(IsProviderAdmin ? TenantId : null, ct);
    }
}
