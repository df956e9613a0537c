using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Notifications.Outbox.Pages;

[Authorize(Policy = Tenancy.Policies.ProviderAdmin)]
public sealed class OutboxModel(OutboxAdmin outbox, EmailOptions email, IHostEnvironment environment) : PageModel
{
    [BindProperty(SupportsGet = true)] public string State { get; set; } = "pending";
    [BindProperty(SupportsGet = true)] public Guid? Id { get; set; }
    public IReadOnlyList<OutboxView> Rows { get; private set; } = [];
    public OutboxMessage? Selected { get; private set; }
    public bool UsesSmtp => email.UsesSmtp;
    public string PickupPath => Path.Combine(environment.ContentRootPath, email.PickupDirectory);
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        Rows = await outbox.ListAsync(State, null, 200, ct);
        if (Id is { } id)
        {
            Selected = await outbox.MessageAsync(id, ct);
        }
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        await outbox.RetryAsync(id, ct);
        TempData["message"] = "Queued again: it will be sent on the next pass.";
        return Redirect($"/admin/outbox?state={State}");
    }
}
