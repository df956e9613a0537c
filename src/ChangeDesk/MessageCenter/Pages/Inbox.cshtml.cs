using System.Globalization;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.MessageCenter.Pages;

public sealed class InboxModel(MessageCenterService center, Accounts accounts, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }
    [BindProperty(SupportsGet = true)] public string? View { get; set; }
    [BindProperty(SupportsGet = true)] public string? Service { get; set; }
    [BindProperty(SupportsGet = true)] public string? Tag { get; set; }
    [BindProperty(SupportsGet = true)] public string? Category { get; set; }
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true)] public bool? Desc { get; set; }
    [BindProperty(SupportsGet = true)] public int Skip { get; set; }

    public InboxPage? Results { get; private set; }
    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public string? TenantName { get; private set; }
    public bool IsProvider => me.IsProvider;
    public InboxView CurrentView { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Tenants = await accounts.TenantsAsync(ct);
        if (me.IsProvider && TenantId is null)
        {
            TenantId = Tenants.Count > 0 ? Tenants[0].Id : null;
            if (TenantId is null)
            {
                Error = "There are no tenants yet: create one under Tenants.";
                return Page();
            }
        }
        try
        {
            var tenant = await center.ResolveTenantAsync(TenantId, ct);
            TenantName = Tenants.FirstOrDefault(t => t.Id == tenant)?.Name;
            var filter = MessageCenterApi.Filter(View, Service, Tag, Category, Q, Sort, Desc, Math.Max(0, Skip), 50);
            CurrentView = filter.View;
            Results = await center.InboxAsync(tenant, filter, ct);
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        catch (ProblemException e)
        {
            Error = e.Message;
        }
        return Page();
    }

    Dictionary<string, string?> Query() => new()
    {
        ["tenantId"] = me.IsProvider ? TenantId?.ToString() : null,
        ["view"] = View,
        ["service"] = Service,
        ["tag"] = Tag,
        ["category"] = Category,
        ["q"] = Q,
        ["sort"] = Sort,
        ["desc"] = Desc?.ToString().ToLowerInvariant(),
    };

    public string Link(string? view = null, int? skip = null)
    {
        var query = Query();
        if (view is not null)
        {
            query["view"] = view;
        }
        query["skip"] = (skip ?? Skip).ToString(CultureInfo.InvariantCulture);
        return "/message-center" + QueryString.Create(query.Where(q => !string.IsNullOrEmpty(q.Value)));
    }

    public string ExportLink => "/api/message-center/messages/export.csv" + QueryString.Create(Query().Where(q => !string.IsNullOrEmpty(q.Value) && q.Key is not ("sort" or "desc")));

    public string MessageLink(string id) => $"/message-center/{id}" + (me.IsProvider && TenantId is { } t ? $"?tenantId={t}" : "");

    public static string CategoryLabel(string category) => category switch
    {
        MessageCategory.PlanForChange => "Plan for change",
        MessageCategory.PreventOrFixIssue => "Prevent or fix issue",
        MessageCategory.StayInformed => "Stay informed",
        _ => category,
    };
}
