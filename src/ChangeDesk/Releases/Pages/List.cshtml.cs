using ChangeDesk.Releases.Calendar;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Releases.Pages;

/// <summary>One month of the release calendar: the slots the calendar fills and the releases already there.</summary>
public sealed record CalendarMonth(int Year, int Month, IReadOnlyList<(CalendarEntry Slot, ReleaseSummary? Release)> Slots, IReadOnlyList<ReleaseSummary> OutOfBand)
{
    public string Label => new DateTime(Year, Month, 1).ToString("MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The releases: the calendar of the coming months, every release with its state and blackout conflicts, and (for release managers) generating the calendar.</summary>
public sealed class ListModel(ReleaseReader releases, CurrentUser me, ReleaseOptions options, TimeProvider clock) : PageModel
{
    const int CalendarMonths = 3;

    [BindProperty(SupportsGet = true)] public string? State { get; set; }
    [BindProperty(SupportsGet = true)] public string? Kind { get; set; }

    public IReadOnlyList<ReleaseSummary> Releases { get; private set; } = [];
    public IReadOnlyList<CalendarMonth> Calendar { get; private set; } = [];

    /// <summary>Blackout conflicts of rings still to start, by release (scheduled and in progress).</summary>
    public Dictionary<Guid, IReadOnlyList<BlackoutConflict>> Conflicts { get; private set; } = [];

    public CalendarResult? Generated { get; private set; }
    public bool CanRun => me.CanRunReleases();
    public bool Preview => options.Preview;
    public int NoticeDays => options.ScheduleNoticeDays;
    public string Zone => options.TimeZone;
    public TimeOnly Time => options.Time;
    public int GenerateYear { get; private set; }
    public int GenerateMonth { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostCalendarAsync(int? year, int? month, [FromServices] GenerateCalendar generate, CancellationToken ct)
    {
        try
        {
            Generated = await generate.RunAsync(new CalendarInput(year, month), ct);
        }
        catch (ProblemException e)
        {
            Error = e.Message;
        }
        await LoadAsync(ct);
        if (year is { } y && month is { } m)
        {
            (GenerateYear, GenerateMonth) = (y, m);
        }
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var next = now.AddDays(options.ScheduleNoticeDays);
        (GenerateYear, GenerateMonth) = (next.Year, next.Month);
        try
        {
            Releases = await releases.ListAsync(new ReleaseFilter(State, Kind), ct);
        }
        catch (ProblemException e)
        {
            Error ??= e.Message;
            Releases = await releases.ListAsync(new ReleaseFilter(), ct);
        }
        var all = State is null && Kind is null ? Releases : await releases.ListAsync(new ReleaseFilter(), ct);
        var months = new List<CalendarMonth>();
        for (var i = 0; i < CalendarMonths; i++)
        {
            var first = new DateTime(now.Year, now.Month, 1).AddMonths(i);
            var slots = options.Calendar.Month(first.Year, first.Month, options.Preview)
                .Select(s => (s, all.FirstOrDefault(r => r.CalendarKey == s.Key))).ToList();
            var oob = all.Where(r => r.Kind == ReleaseKind.OutOfBand && r.PlannedStart.Year == first.Year && r.PlannedStart.Month == first.Month)
                .OrderBy(r => r.PlannedStart).ToList();
            months.Add(new CalendarMonth(first.Year, first.Month, slots, oob));
        }
        Calendar = months;
        var shown = Releases.Where(r => ReleaseStateMachine.IsOpen(r.State)).Select(r => r.Id).Take(24).ToList();
        Conflicts = (await releases.ConflictsAsync(r => shown.Contains(r.Id), shown.Count, ct))
            .GroupBy(c => c.ReleaseId).ToDictionary(g => g.Key, g => (IReadOnlyList<BlackoutConflict>)g.ToList());
    }
}
