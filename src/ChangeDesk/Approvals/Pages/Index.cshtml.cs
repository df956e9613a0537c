using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Approvals.Pages;

public sealed class IndexModel(ApprovalService approvals) : PageModel
{
    public IReadOnlyList<ApprovalView> Overdue { get; private set; } = [];
    public IReadOnlyList<ApprovalView> Pending { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Overdue = await approvals.OverdueAsync(ct);
        Pending = (await approvals.PendingForMeAsync(ct)).Where(p => !p.IsOverdue).ToList();
    }
}
