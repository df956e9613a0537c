using System.Globalization;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Support.Pages;

/// <summary>A tenant's own requests, or the provider's queue across tenants with its first-response breaches.</summary>
public sealed class ListModel(SupportRequestReader support, Accounts accounts, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public string? Severity { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }
    [BindProperty(SupportsGet = true)] public int? Change { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? Release { get; set; }
    [BindProperty(SupportsGet = true)] public string? Assignee { get; set; }
    [BindProperty(SupportsGet = true)] public bool Breached { get; set; }
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public int Skip { get; set; }

    public SupportRequestPage Results { get; private set; } = new([], 0, 0, 50);
    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public bool IsProvider => me.IsProvider;
    public bool CanFile => support.CanFile;
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        // The queue opens on the work still to do; a tenant opens on all its requests.
        if (!Request.Query.ContainsKey("state"))
        {
            State = IsProvider ? "open" : null;
        }
        if (IsProvider)
        {
            Tenants = await accounts.TenantsAsync(ct);
        }
        try
        {
            Results = await support.ListAsync(new SupportFilter(State, Severity, TenantId, Change, Release, Assignee, Breached ? true : null, Q, Math.Max(0, Skip), 50), ct);
        }
        catch (ProblemException e)
        {
            Error = e.Message;
        }
    }

    public string PageLink(int skip) =>
        QueryString.Create(new Dictionary<string, string?>
        {
            ["state"] = State ?? "",
            ["severity"] = Severity,
            ["tenantId"] = TenantId?.ToString(),
            ["change"] = Change?.ToString(CultureInfo.InvariantCulture),
            ["release"] = Release?.ToString(),
            ["assignee"] = Assignee,
            ["breached"] = Breached ? "true" : null,
            ["q"] = Q,
            ["skip"] = skip.ToString(CultureInfo.InvariantCulture),
        }.Where(p => p.Value is not null)).ToString();
}
