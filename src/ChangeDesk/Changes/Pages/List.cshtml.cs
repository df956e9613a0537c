using System.Globalization;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes.Pages;

public sealed class ListModel(Read.ChangeReader reader, MatrixService matrices, ChangeDeskDb db, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public string? Type { get; set; }
    [BindProperty(SupportsGet = true)] public string? Scope { get; set; }
    [BindProperty(SupportsGet = true)] public int Skip { get; set; }

    public ChangePage Results { get; private set; } = new([], 0, 0, 50);
    public IReadOnlyList<ChangeTypeView> Types { get; private set; } = [];
    public IReadOnlyList<ScopeView> Scopes { get; private set; } = [];
    public Dictionary<Guid, string> TenantNames { get; private set; } = [];
    public bool CanCreate => me.Is(Role.ProviderAdmin, Role.ReleaseManager, Role.TenantAdmin);
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Types = await ChangeTypesApi.ListAsync(db, ct);
        Scopes = await matrices.ScopesAsync(ct);
        TenantNames = await db.Tenants.ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        try
        {
            Results = await reader.ListAsync(new ChangeFilter(State, Type, Scope, Q, null, Math.Max(0, Skip), 50), ct);
        }
        catch (ProblemException e)
        {
            Error = e.Message;
        }
    }

    public string PageLink(int skip) =>
        QueryString.Create(new Dictionary<string, string?> { ["q"] = Q, ["state"] = State, ["type"] = Type, ["scope"] = Scope, ["skip"] = skip.ToString(CultureInfo.InvariantCulture) }).ToString();
}
