using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Responsibility.Pages;

public sealed class MatrixModel(MatrixService matrices, Accounts accounts, CurrentUser me) : ActionPageModel
{
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }

    public MatrixView? View { get; private set; }
    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public bool IsProvider => me.IsProvider;
    public bool CanEdit => me.Is(Role.ProviderAdmin);
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        return await LoadAsync(ct);
    }

    public Task<IActionResult> OnPostSetAsync(string activity, string scope, string responsible, CancellationToken ct) =>
        ActAsync(async () =>
        {
            var (a, s) = Parse(activity, scope);
            if (!EnumNames.TryParse<Responsible>(responsible, out var who))
            {
                throw ValidationFailedException.For("responsible", "Choose provider, customer or both.");
            }
            await matrices.SetCellAsync(a, s, who, TenantId, ct);
            return "Responsibility updated.";
        }, ct);

    public Task<IActionResult> OnPostClearAsync(string activity, string scope, CancellationToken ct) =>
        ActAsync(async () =>
        {
            var (a, s) = Parse(activity, scope);
            await matrices.ClearCellAsync(a, s, TenantId, ct);
            return "Override removed.";
        }, ct);

    public Task<IActionResult> OnPostRenameProviderAsync(string name, CancellationToken ct) =>
        ActAsync(async () =>
        {
            await matrices.RenameProviderAsync(name, ct);
            return "Provider renamed.";
        }, ct);

    public Task<IActionResult> OnPostRenameScopeAsync(string scope, string name, CancellationToken ct) =>
        ActAsync(async () =>
        {
            if (!EnumNames.TryParse<Scope>(scope, out var s))
            {
                throw ValidationFailedException.For("scope", "Unknown scope.");
            }
            await matrices.RenameScopeAsync(s, name, ct);
            return "Scope renamed.";
        }, ct);

    static (Activity, Scope) Parse(string activity, string scope) =>
        EnumNames.TryParse<Activity>(activity, out var a) && EnumNames.TryParse<Scope>(scope, out var s)
            ? (a, s)
            : throw ValidationFailedException.For("activity", "Unknown activity or scope.");

    protected override IActionResult Done() => Redirect(TenantId is { } t ? $"/matrix?tenantId={t}" : "/matrix");

    protected override Task<IActionResult> ReloadAsync(CancellationToken ct) => LoadAsync(ct);

    async Task<IActionResult> LoadAsync(CancellationToken ct)
    {
        try
        {
            View = await matrices.ViewAsync(TenantId, ct);
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        Tenants = me.IsProvider ? await accounts.TenantsAsync(ct) : [];
        return Page();
    }
}
