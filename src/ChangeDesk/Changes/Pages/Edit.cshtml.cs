using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Changes.Pages;

/// <summary>The fields of the change form, as the browser sends them. Times are UTC.</summary>
public sealed class ChangeForm
{
    public int Version { get; set; }
    public string? Title { get; set; }
    public string? Description { get; set; }
    public string? Type { get; set; } = ChangeTypeCatalog.Functionality;
    public string? Subtype { get; set; }
    public string? Scope { get; set; }
    public string? Severity { get; set; }
    public bool TargetsAllTenants { get; set; } = true;
    public List<Guid> TargetTenantIds { get; set; } = [];
    public string? Services { get; set; }
    public DateTime? PlannedStart { get; set; }
    public DateTime? PlannedEnd { get; set; }
    public bool AdminActionRequired { get; set; }
    public string? AdminAction { get; set; }
    public string? Consent { get; set; }
    public DateTime? ActionRequiredBy { get; set; }
    public bool IsEmergency { get; set; }
    public bool IsMajorChange { get; set; }
    public string? Category { get; set; }
    public List<string> Tags { get; set; } = [];

    static DateTimeOffset? Utc(DateTime? local) => local is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Unspecified), TimeSpan.Zero) : null;

    public ChangeInput ToInput() => new()
    {
        Title = Title,
        Description = Description,
        Type = Type,
        Subtype = Subtype,
        Scope = Scope,
        Severity = Severity,
        TargetsAllTenants = TargetsAllTenants,
        TargetTenantIds = TargetTenantIds,
        Services = (Services ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(),
        PlannedStart = Utc(PlannedStart),
        PlannedEnd = Utc(PlannedEnd),
        AdminActionRequired = AdminActionRequired,
        AdminAction = AdminAction,
        Consent = Consent,
        ActionRequiredBy = Utc(ActionRequiredBy),
        IsEmergency = IsEmergency,
        IsMajorChange = IsMajorChange,
        Category = Category,
        Tags = Tags,
    };

    public static ChangeForm From(ChangeView c) => new()
    {
        Version = c.Version,
        Title = c.Title,
        Description = c.Description,
        Type = c.Type,
        Subtype = c.Subtype,
        Scope = EnumNames.Of(c.Scope),
        Severity = EnumNames.Of(c.Severity),
        TargetsAllTenants = c.TargetsAllTenants,
        TargetTenantIds = c.TargetTenantIds.ToList(),
        Services = string.Join(", ", c.Services),
        PlannedStart = c.PlannedStart.UtcDateTime,
        PlannedEnd = c.PlannedEnd?.UtcDateTime,
        AdminActionRequired = c.AdminActionRequired,
        AdminAction = c.AdminAction,
        Consent = EnumNames.Of(c.Consent),
        ActionRequiredBy = c.ActionRequiredBy?.UtcDateTime,
        IsEmergency = c.IsEmergency,
        IsMajorChange = c.IsMajorChange,
        Category = c.Category,
        Tags = c.Tags.ToList(),
    };
}

public sealed class EditModel(
    Read.ChangeReader reader, Create.CreateChange create, Edit.EditChange edit, Transition.TransitionChange transition, MatrixService matrices, Accounts accounts, ChangeDeskDb db, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public int? Id { get; set; }
    [BindProperty] public ChangeForm Form { get; set; } = new();

    public IReadOnlyList<ChangeTypeView> Types { get; private set; } = [];
    public IReadOnlyList<ScopeView> Scopes { get; private set; } = [];
    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public bool IsProvider => me.IsProvider;
    public bool IsDraft { get; private set; } = true;
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (Id is { } id)
        {
            try
            {
                var change = await reader.GetAsync(id, ct);
                if (!change.CanEdit)
                {
                    return Forbid();
                }
                Form = ChangeForm.From(change);
                IsDraft = change.State == ChangeState.Draft;
            }
            catch (NotFoundException)
            {
                return NotFound();
            }
        }
        else
        {
            Form.Scope = EnumNames.Of(me.IsProvider ? Responsibility.Scope.ManagedService : Responsibility.Scope.CustomSoftware);
        }
        await LoadListsAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? intent, CancellationToken ct)
    {
        ModelState.Clear();
        var input = Form.ToInput();
        var wasSaved = false;
        try
        {
            var saved = Id is { } id
                ? await edit.HandleAsync(id, input, EntityTags.Of(Form.Version), ct)
                : await create.HandleAsync(input, ct);
            Id = saved.Id;
            Form.Version = saved.Version;
            wasSaved = true;
            if (intent == "announce" && saved.State == ChangeState.Draft)
            {
                await transition.HandleAsync(saved.Id, ChangeAction.Announce, EntityTags.Of(saved.Version), ct);
                TempData["message"] = $"{saved.Number} saved and announced.";
            }
            else
            {
                TempData["message"] = $"{saved.Number} saved.";
            }
            return Redirect($"/changes/{saved.Id}");
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        catch (ProblemException e)
        {
            Error = e is PreconditionFailedException
                ? "Someone else changed this change since you opened it. Reload it to see their version before saving."
                : PageProblems.Apply(e, ModelState, "Form.");
            if (wasSaved)
            {
                // The draft was saved; only the announcement was refused.
                Error = $"Saved as a draft, but not announced: {Error}";
            }
            IsDraft = Id is null || (await reader.GetAsync(Id.Value, ct)).State == ChangeState.Draft;
            await LoadListsAsync(ct);
            return Page();
        }
    }

    async Task LoadListsAsync(CancellationToken ct)
    {
        Types = await ChangeTypesApi.ListAsync(db, ct);
        Scopes = await matrices.ScopesAsync(ct);
        Tenants = me.IsProvider ? await accounts.TenantsAsync(ct) : [];
    }
}
