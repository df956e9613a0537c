using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Releases.Edit;
using ChangeDesk.Releases.Mitigation;
using ChangeDesk.Releases.Start;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases.Pages;

/// <summary>The fields of the release form, as the browser sends them. Times are UTC.</summary>
public sealed class ReleaseForm
{
    public int Version { get; set; }
    public string? Title { get; set; }
    public string? Description { get; set; }
    public string? Kind { get; set; } = EnumNames.Of(ReleaseKind.Security);
    public DateTime? PlannedStart { get; set; }
    public bool TargetsAllTenants { get; set; } = true;
    public List<Guid> TargetTenantIds { get; set; } = [];
    public List<int> ChangeIds { get; set; } = [];
    public double? MaxInstallFailurePercent { get; set; }
    public double? MaxReliabilityEventsPer1000 { get; set; }
    public double? MaxSupportRequestsPer1000 { get; set; }
    public int? MinDevices { get; set; }

    /// <summary>For a new out-of-band release: the mitigation already applied, recorded right after it is created.</summary>
    public string? Mitigation { get; set; }

    /// <summary>For a new out-of-band release: why it may start rings inside blackout windows.</summary>
    public string? BlackoutOverrideReason { get; set; }

    public ReleaseInput ToInput() => new()
    {
        Title = Title,
        Description = Description,
        Kind = Kind,
        PlannedStart = PlannedStart is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Unspecified), TimeSpan.Zero) : null,
        TargetsAllTenants = TargetsAllTenants,
        TargetTenantIds = TargetsAllTenants ? [] : TargetTenantIds,
        ChangeIds = ChangeIds,
        MaxInstallFailurePercent = MaxInstallFailurePercent,
        MaxReliabilityEventsPer1000 = MaxReliabilityEventsPer1000,
        MaxSupportRequestsPer1000 = MaxSupportRequestsPer1000,
        MinDevices = MinDevices,
    };

    public static ReleaseForm From(ReleaseView r) => new()
    {
        Version = r.Version,
        Title = r.Title,
        Description = r.Description,
        Kind = EnumNames.Of(r.Kind),
        PlannedStart = r.PlannedStart.UtcDateTime,
        TargetsAllTenants = r.TargetsAllTenants,
        TargetTenantIds = r.TargetTenantIds.ToList(),
        ChangeIds = r.Changes.Select(c => c.Id).ToList(),
        MaxInstallFailurePercent = r.Thresholds.Overridden ? r.Thresholds.MaxInstallFailurePercent : null,
        MaxReliabilityEventsPer1000 = r.Thresholds.Overridden ? r.Thresholds.MaxReliabilityEventsPer1000 : null,
        MaxSupportRequestsPer1000 = r.Thresholds.Overridden ? r.Thresholds.MaxSupportRequestsPer1000 : null,
        MinDevices = r.Thresholds.Overridden ? r.Thresholds.MinDevices : null,
    };
}

/// <summary>Creates a release (scheduled, or out-of-band with its mitigation and blackout override) or edits one.</summary>
public sealed class EditModel(ReleaseReader releases, CurrentUser me, Accounts accounts, ChangeDeskDb db, ReleaseOptions options, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid? Id { get; set; }
    [BindProperty] public ReleaseForm Form { get; set; } = new();

    public IReadOnlyList<TenantView> Tenants { get; private set; } = [];
    public IReadOnlyList<(int Id, string Title, ChangeState State)> Changes { get; private set; } = [];
    public ReleaseState State { get; private set; } = ReleaseState.Scheduled;
    public ThresholdsView Defaults => RolloutQueries.ThresholdsOf(new Release { Title = "" }, options.DefaultThresholds);
    public string? Error { get; private set; }
    public int NoticeDays => options.ScheduleNoticeDays;

    public bool IsNew => Id is null;
    public bool IsOutOfBand => EnumNames.TryParse<ReleaseKind>(Form.Kind, out var k) && k == ReleaseKind.OutOfBand;

    public async Task<IActionResult> OnGetAsync(string? kind, CancellationToken ct)
    {
        if (!me.CanRunReleases())
        {
            return Forbid();
        }
        if (Id is { } id)
        {
            try
            {
                var release = await releases.GetAsync(id, ct);
                if (!release.AllowedActions.Contains("edit"))
                {
                    return Forbid();
                }
                Form = ReleaseForm.From(release);
                State = release.State;
            }
            catch (NotFoundException)
            {
                return NotFound();
            }
        }
        else
        {
            var now = clock.GetUtcNow();
            if (EnumNames.TryParse<ReleaseKind>(kind, out var k))
            {
                Form.Kind = EnumNames.Of(k);
            }
            // An out-of-band release starts now; a scheduled one needs its notice, so it defaults to the next calendar slot.
            Form.PlannedStart = IsOutOfBand ? Minute(now) : Minute(NextSecurityRelease(now));
            Form.Title = IsOutOfBand ? $"Out-of-band release {now.UtcDateTime:yyyy-MM-dd}" : null;
        }
        await LoadListsAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(
        string? intent, [FromServices] CreateRelease create, [FromServices] UpdateRelease update, [FromServices] RecordMitigation recordMitigation,
        [FromServices] OverrideBlackouts overrideBlackouts, [FromServices] StartRelease start, CancellationToken ct)
    {
        ModelState.Clear();
        Guid? saved = null;
        var done = new List<string>();
        try
        {
            if (Id is { } id)
            {
                var current = await releases.GetAsync(id, ct);
                if (current.State == ReleaseState.InProgress)
                {
                    // The form does not send what a started release can no longer change.
                    Form.TargetsAllTenants = current.TargetsAllTenants;
                    Form.TargetTenantIds = current.TargetTenantIds.ToList();
                    Form.ChangeIds = current.Changes.Select(c => c.Id).ToList();
                }
                var updated = await update.RunAsync(id, Form.ToInput(), $"\"{Form.Version}\"", ct);
                TempData["message"] = $"{updated.Title} saved.";
                return Redirect($"/releases/{id}");
            }
            var created = await create.RunAsync(Form.ToInput(), ct);
            saved = created.Id;
            done.Add($"{created.Title} created");
            // The emergency steps, in the order the rules want them: the service refuses what does not apply to this release.
            if (!string.IsNullOrWhiteSpace(Form.Mitigation))
            {
                await recordMitigation.RunAsync(created.Id, Form.Mitigation, null, ct);
                done.Add("mitigation recorded");
            }
            if (!string.IsNullOrWhiteSpace(Form.BlackoutOverrideReason))
            {
                await overrideBlackouts.RunAsync(created.Id, Form.BlackoutOverrideReason, ct);
                done.Add("blackout windows overridden");
            }
            if (intent == "start")
            {
                var current = await releases.GetAsync(created.Id, ct);
                await start.RunAsync(created.Id, current.ETag, ct);
                done.Add("started");
            }
            TempData["message"] = string.Join(", ", done) + ".";
            return Redirect($"/releases/{created.Id}");
        }
        catch (NotFoundException) when (saved is null)
        {
            return NotFound();
        }
        catch (ProblemException e) when (saved is { } id)
        {
            // The release exists; a later step was refused. Its page shows what was done and what was not.
            TempData["message"] = string.Join(", ", done) + ".";
            TempData["error"] = $"Not done: {e.Message}";
            return Redirect($"/releases/{id}");
        }
        catch (ProblemException e)
        {
            Error = e is PreconditionFailedException
                ? "Someone else changed this release since you opened it. Reload it to see their version before saving."
                : PageProblems.Apply(e, ModelState, "Form.");
            if (Id is { } id)
            {
                State = (await releases.GetAsync(id, ct)).State;
            }
            await LoadListsAsync(ct);
            return Page();
        }
    }

    async Task LoadListsAsync(CancellationToken ct)
    {
        Tenants = await accounts.TenantsAsync(ct);
        Changes = (await db.Changes.AsNoTracking()
                .Where(c => c.OwnerTenantId == null && c.State != ChangeState.Cancelled && c.State != ChangeState.RolledBack)
                .OrderByDescending(c => c.Id).Select(c => new { c.Id, c.Title, c.State }).Take(200).ToListAsync(ct))
            .Select(c => (c.Id, c.Title, c.State)).ToList();
    }

    DateTimeOffset NextSecurityRelease(DateTimeOffset now)
    {
        var earliest = now.AddDays(options.ScheduleNoticeDays);
        for (var month = new DateTime(now.Year, now.Month, 1); ; month = month.AddMonths(1))
        {
            var start = options.Calendar.SecurityRelease(month.Year, month.Month);
            if (start >= earliest)
            {
                return start;
            }
        }
    }

    static DateTime Minute(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMinute, DateTimeKind.Unspecified);
}
