using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Audit.Pages;

[Authorize(Policy = Policies.ProviderAdmin)]
public sealed class AuditModel(AuditTrail trail, ChangeDeskDb db) : PageModel
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
        var last = await db.AuditRecords.MaxAsync(r => (long?)r.Sequence, ct) ?? 0;
        Latest = (await trail.ListAsync(null, Math.Max(0, last - 100), 100, ct)).Reverse().ToList();
    }
}
