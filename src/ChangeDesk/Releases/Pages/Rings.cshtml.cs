using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Releases.Pages;

/// <summary>One row of the ring form; a row left without a name is not a ring.</summary>
public sealed class RingRow
{
    public string? Name { get; set; }
    public int? Devices { get; set; }
    public double? SharePercent { get; set; }
    public int DeferralDays { get; set; }
    public int SoakDays { get; set; }

    public bool IsBlank => string.IsNullOrWhiteSpace(Name) && Devices is null && SharePercent is null && DeferralDays == 0 && SoakDays == 0;
}

/// <summary>A tenant's device rings and the blackout windows (the tenant's and service-wide) that hold its rollouts.</summary>
public sealed class RingsModel(RingsAndBlackouts rings, Accounts accounts, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }
    [BindProperty] public List<RingRow> Rows { get; set; } = [];

    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public RingPlanView? Plan { get; private set; }
    public IReadOnlyList<BlackoutView> Blackouts { get; private set; } = [];
    public string? Error { get; private set; }
    public string? Message { get; private set; }
    public string? BlackoutError { get; private set; }

    public bool IsProvider => me.IsProvider;
    public bool CanEditRings => TenantId is { } t && (me.Is(Role.ProviderAdmin) || (me.Is(Role.TenantAdmin) && me.TenantId == t));
    public bool CanAddTenantWindow => TenantId is { } t && (me.Is(Role.ProviderAdmin, Role.ReleaseManager) || (me.Is(Role.TenantAdmin) && me.TenantId == t));
    public bool CanAddServiceWideWindow => me.Is(Role.ProviderAdmin, Role.ReleaseManager);
    public string TenantName => Tenants.FirstOrDefault(t => t.Id == TenantId)?.Name ?? "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        return await LoadAsync(fillRows: true, ct);
    }

    public async Task<IActionResult> OnPostRingsAsync(CancellationToken ct)
    {
        ModelState.Clear();
        // The rows sent, without blank ones: ring i of the plan is row kept[i] of the form.
        var kept = Rows.Select((r, i) => (Row: r, Index: i)).Where(x => !x.Row.IsBlank).Select(x => x.Index).ToList();
        try
        {
            var definitions = kept.Select(i => Rows[i])
                .Select(r => new RingDefinition(r.Name?.Trim() ?? "", r.Devices, r.SharePercent, r.DeferralDays, r.SoakDays)).ToList();
            await rings.SetRingsAsync(Own(), definitions, ct);
            return Done("Ring plan saved. Releases that have started keep the plan they started with.");
        }
        catch (ProblemException e) when (e is not NotFoundException)
        {
            Error = e.Message;
            foreach (var (field, messages) in e.Errors)
            {
                var key = RowKey(field, kept);
                foreach (var message in messages)
                {
                    ModelState.AddModelError(key, message);
                }
            }
            return await LoadAsync(fillRows: false, ct);
        }
    }

    public async Task<IActionResult> OnPostDefaultsAsync(CancellationToken ct)
    {
        try
        {
            await rings.SetRingsAsync(Own(), RingPlan.Defaults.ToList(), ct);
            return Done("Ring plan reset to the default Test, First, Fast and Broad rings.");
        }
        catch (ProblemException e) when (e is not NotFoundException)
        {
            Error = e.Message;
            return await LoadAsync(fillRows: true, ct);
        }
    }

    public async Task<IActionResult> OnPostBlackoutAsync(string? title, DateTime? start, DateTime? end, bool serviceWide, CancellationToken ct)
    {
        try
        {
            var window = await rings.CreateBlackoutAsync(new BlackoutInput(serviceWide ? null : TenantId, title, Utc(start), Utc(end)), ct);
            var holds = window.Conflicts.Select(c => $"{c.Release}, ring {c.Ring} of {c.TenantName} (planned {Display.When(c.PlannedStart)})").ToList();
            return Done($"Blackout window “{window.Title}” added."
                + (holds.Count == 0 ? " No planned ring start falls inside it." : $" It holds back: {string.Join("; ", holds)}."));
        }
        catch (ProblemException e) when (e is not NotFoundException)
        {
            BlackoutError = e.Message;
            return await LoadAsync(fillRows: true, ct);
        }
    }

    public async Task<IActionResult> OnPostDeleteBlackoutAsync(Guid id, CancellationToken ct)
    {
        try
        {
            await rings.DeleteBlackoutAsync(id, ct);
            return Done("Blackout window deleted.");
        }
        catch (ProblemException e)
        {
            BlackoutError = e.Message;
            return await LoadAsync(fillRows: true, ct);
        }
    }

    /// <summary>"rings[1].soakDays" of the plan → "Rows[3].SoakDays" of the form.</summary>
    static string RowKey(string field, List<int> kept)
    {
        var match = System.Text.RegularExpressions.Regex.Match(field, @"^rings\[(\d+)\]\.(\w+)$");
        if (!match.Success)
        {
            return field == "rings" ? "Rows" : field;
        }
        var index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var property = match.Groups[2].Value;
        return $"Rows[{kept.ElementAtOrDefault(index)}].{char.ToUpperInvariant(property[0])}{property[1..]}";
    }

    Guid Own() => TenantId ?? throw ValidationFailedException.For("tenantId", "Choose the tenant whose rings you are editing.");

    RedirectToPageResult Done(string message)
    {
        TempData["message"] = message;
        return RedirectToPage(new { TenantId });
    }

    static DateTimeOffset? Utc(DateTime? local) => local is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Unspecified), TimeSpan.Zero) : null;

    async Task<IActionResult> LoadAsync(bool fillRows, CancellationToken ct)
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
                Plan = await rings.RingsAsync(tenant, ct);
                if (fillRows)
                {
                    Rows = Plan.Rings.Select(r => new RingRow { Name = r.Name, Devices = r.Devices, SharePercent = r.SharePercent, DeferralDays = r.DeferralDays, SoakDays = r.SoakDays }).ToList();
                }
            }
            Blackouts = await rings.BlackoutsAsync(TenantId, includePast: false, ct);
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        while (CanEditRings && Rows.Count < RingPlan.MaxRings && Rows.Count(r => r.IsBlank) < 2)
        {
            Rows.Add(new RingRow());
        }
        return Page();
    }
}
