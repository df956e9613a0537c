using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Applications.Pages;

/// <summary>The form of one application: the API's input, with services as one comma-separated field.</summary>
public sealed class ApplicationForm
{
    public Guid? Id { get; set; }
    public string? Name { get; set; }
    public string? Vendor { get; set; }
    public string? Version { get; set; }
    public string? Owner { get; set; }
    public string? TestContact { get; set; }
    public string Criticality { get; set; } = EnumNames.Of(Applications.Criticality.Other);
    public string Kind { get; set; } = EnumNames.Of(ApplicationKind.Other);
    public string? Services { get; set; }
    public int? Users { get; set; }

    public ApplicationInput ToInput() => new()
    {
        Name = Name,
        Vendor = Vendor,
        Version = Version,
        Owner = Owner,
        TestContact = TestContact,
        Criticality = Criticality,
        Kind = Kind,
        Services = Services?.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
        Users = Users,
    };

    public static ApplicationForm Of(ApplicationView a) => new()
    {
        Id = a.Id,
        Name = a.Name,
        Vendor = a.Vendor,
        Version = a.Version,
        Owner = a.Owner,
        TestContact = a.TestContact,
        Criticality = EnumNames.Of(a.Criticality),
        Kind = EnumNames.Of(a.Kind),
        Services = string.Join(", ", a.Services),
        Users = a.Users,
    };
}

/// <summary>A tenant's business applications: the catalog its tests are planned from, kept by hand or by CSV import.</summary>
public sealed class ApplicationsModel(ApplicationCatalog catalog, ImportApplications import, Accounts accounts, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? Edit { get; set; }
    [BindProperty] public ApplicationForm Form { get; set; } = new();

    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public IReadOnlyList<ApplicationView> Apps { get; private set; } = [];
    public string? Message { get; private set; }
    public string? Error { get; private set; }
    public string? ImportError { get; private set; }
    public IReadOnlyList<string> ImportProblems { get; private set; } = [];

    public bool IsProvider => me.IsProvider;
    public bool CanEdit => TenantId is { } t && ApplicationCatalog.MayEdit(me, t);
    public string TenantName => Tenants.FirstOrDefault(t => t.Id == TenantId)?.Name ?? "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        var page = await LoadAsync(ct);
        if (page is PageResult && Edit is { } id && TenantId is { } tenant)
        {
            try
            {
                Form = ApplicationForm.Of(await catalog.GetAsync(tenant, id, ct));
            }
            catch (NotFoundException)
            {
                return NotFound();
            }
        }
        return page;
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken ct)
    {
        ModelState.Clear();
        try
        {
            var tenant = Own();
            var saved = Form.Id is { } id
                ? await catalog.UpdateAsync(tenant, id, Form.ToInput(), null, ct)
                : await catalog.CreateAsync(tenant, Form.ToInput(), ct);
            return Done($"{saved.Name} {(Form.Id is null ? "added" : "saved")}.");
        }
        catch (ProblemException e) when (e is not NotFoundException)
        {
            Error = e.Message;
            foreach (var (field, messages) in e.Errors)
            {
                foreach (var message in messages)
                {
                    ModelState.AddModelError($"Form.{char.ToUpperInvariant(field[0])}{field[1..]}", message);
                }
            }
            return await LoadAsync(ct);
        }
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken ct)
    {
        try
        {
            await catalog.DeleteAsync(Own(), id, null, ct);
            return Done("Application removed.");
        }
        catch (ProblemException e) when (e is not NotFoundException)
        {
            Error = e.Message;
            return await LoadAsync(ct);
        }
    }

    public async Task<IActionResult> OnPostImportAsync(IFormFile? file, CancellationToken ct)
    {
        try
        {
            if (file is null || file.Length == 0)
            {
                throw ValidationFailedException.For("file", "Choose a CSV file to import.");
            }
            using var reader = new StreamReader(file.OpenReadStream(), System.Text.Encoding.UTF8);
            var result = await import.HandleAsync(Own(), reader, ct);
            return Done($"Imported {file.FileName}: {result.Created} added, {result.Updated} updated, {result.Unchanged} unchanged.");
        }
        catch (ProblemException e) when (e is not NotFoundException)
        {
            ImportError = e.Errors.Count > 0 ? "Nothing was imported: fix these rows and import the file again." : e.Message;
            ImportProblems = e.Errors.SelectMany(x => x.Value.Select(m => $"{x.Key}: {m}")).ToList();
            return await LoadAsync(ct);
        }
    }

    Guid Own() => (me.IsProvider ? TenantId : me.TenantId) ?? throw ValidationFailedException.For("tenantId", "Choose the tenant whose applications you are keeping.");

    RedirectToPageResult Done(string message)
    {
        TempData["message"] = message;
        return RedirectToPage(new { TenantId });
    }

    async Task<IActionResult> LoadAsync(CancellationToken ct)
    {
        if (!me.IsProvider)
        {
            TenantId = me.TenantId;
        }
        Tenants = await accounts.TenantsAsync(ct);
        if (TenantId is null && !me.IsProvider)
        {
            return Forbid();
        }
        try
        {
            if (TenantId is { } tenant)
            {
                Apps = await catalog.ListAsync(tenant, ct);
            }
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        return Page();
    }
}
