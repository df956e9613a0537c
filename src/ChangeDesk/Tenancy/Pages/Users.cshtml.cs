using ChangeDesk.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Tenancy.Pages;

[Authorize(Roles = "provider-admin,tenant-admin")]
public sealed class UsersModel(Accounts accounts, CurrentUser me) : ActionPageModel
{
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }

    public IReadOnlyList<UserView> Users { get; private set; } = [];
    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public Dictionary<Guid, string> TenantNames => Tenants.ToDictionary(t => t.Id, t => t.Name);
    public bool IsProviderAdmin => me.Is(Role.ProviderAdmin);
    public IReadOnlyList<Role> AssignableRoles => IsProviderAdmin ? Enum.GetValues<Role>() : [Role.TenantAdmin, Role.TenantReader];
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        await LoadAsync(ct);
    }

    public Task<IActionResult> OnPostAsync(string? email, string? displayName, string? role, string? password, CancellationToken ct) =>
        ActAsync(async () =>
        {
            var user = await accounts.CreateUserAsync(email, displayName, role, IsProviderAdmin ? TenantId : me.TenantId, password ?? "", ct);
            return $"User {user.Email} created as {user.Role}.";
        }, ct);

    public Task<IActionResult> OnPostSignOutAsync(Guid userId, CancellationToken ct) =>
        ActAsync(async () =>
        {
            await accounts.EndSessionsAsync(userId, ct);
            return "Every session of that user has ended; they must sign in again.";
        }, ct);

    public Task<IActionResult> OnPostRevokeTokensAsync(Guid userId, CancellationToken ct) =>
        ActAsync(async () =>
        {
            await accounts.RevokeTokenAsync(userId, null, ct);
            return "Every API token of that user is revoked.";
        }, ct);

    public Task<IActionResult> OnPostDisableAsync(Guid userId, bool disable, CancellationToken ct) =>
        ActAsync(async () =>
        {
            var user = await accounts.SetDisabledAsync(userId, disable, ct);
            return user.IsDisabled ? $"{user.Email} is disabled: signed out everywhere, tokens refused." : $"{user.Email} is enabled again.";
        }, ct);

    protected override IActionResult Done() => RedirectToPage(new { TenantId });

    protected override async Task<IActionResult> ReloadAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Tenants = await accounts.TenantsAsync(ct);
        Users = await accounts.UsersAsync(IsProviderAdmin ? TenantId : null, ct);
    }
}
