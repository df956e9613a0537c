using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Audit.Pages;

[Authorize(Policy = Policies.ProviderAdmin)]
public sealed class AuditModel(AuditTrail trail) : PageModel
{
    public IReadOnlyList<AuditEntryView> Latest { get; private set; } = [];
    public AuditVerification? Verification { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task OnPostAsync(CancellationToken ct)
    {
        Verification = await trail.VerifyAsync(ct);
        await LoadAsync(ct);
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Latest = await trail.LatestAsync(100, ct);
    }
}
