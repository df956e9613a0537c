using ChangeDesk.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Notifications.Webhooks.Pages;

[Authorize(Roles = "provider-admin,tenant-admin")]
public sealed class WebhooksModel(RegisteredWebhooks webhooks) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid? Show { get; set; }
    public IReadOnlyList<WebhookView> Endpoints { get; private set; } = [];
    public IReadOnlyList<DeliveryView>? Deliveries { get; private set; }
    public string? NewSecret { get; private set; }
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        await LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAsync(string? url, string? description, List<string>? events, CancellationToken ct)
    {
        try
        {
            NewSecret = (await webhooks.AddAsync(new WebhookInput(url, description, events), ct)).Secret;
        }
        catch (ProblemException e)
        {
            Error = e.Message;
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostTestAsync(Guid id, CancellationToken ct)
    {
        await webhooks.SendTestAsync(id, ct);
        TempData["message"] = "Test event queued: it appears in the delivery log once sent.";
        return Redirect($"/webhooks?show={id}");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken ct)
    {
        await webhooks.RemoveAsync(id, ct);
        TempData["message"] = "Endpoint deleted.";
        return RedirectToPage();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Endpoints = await webhooks.ListAsync(ct);
        if (Show is { } id && Endpoints.Any(e => e.Id == id))
        {
            Deliveries = await webhooks.DeliveriesAsync(id, ct);
        }
    }
}
