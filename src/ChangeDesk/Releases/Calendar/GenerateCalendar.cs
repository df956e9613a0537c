using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases.Calendar;

public sealed record CalendarInput(int? Year, int? Month);

/// <summary>
/// Creates a month's calendar releases (the security release, and the preview when it is on). Idempotent: a release
/// already there is answered as existing, one whose start falls inside the schedule notice is skipped with the reason.
/// </summary>
public sealed class GenerateCalendar(
    ChangeDeskDb db, CurrentUser user, ReleaseOptions options, TenantRollouts rollouts, RolloutWakeUp wakeUp, TimeProvider clock)
{
    public async Task<CalendarResult> RunAsync(CalendarInput input, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        var errors = new Dictionary<string, string[]>();
        if (input.Year is not (>= 2000 and <= 2100))
        {
            errors["year"] = ["Give the year, 2000 to 2100."];
        }
        if (input.Month is not (>= 1 and <= 12))
        {
            errors["month"] = ["Give the month, 1 to 12."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        var (year, month) = (input.Year!.Value, input.Month!.Value);
        var entries = options.Calendar.Month(year, month, options.Preview);
        var keys = entries.Select(e => e.Key).ToList();
        try
        {
            var items = await db.WriteAsync($"Generate the release calendar for {year:0000}-{month:00}", () => CreateAsync(entries, keys, ct), ct);
            if (items.Any(i => i.Outcome == "created"))
            {
                wakeUp.Notify();
            }
            return new CalendarResult(year, month, items);
        }
        catch (DbUpdateException)
        {
            // Someone generated the same month at the same moment: theirs stands, and the answer is the same.
            if (!await db.Releases.IgnoreQueryFilters().AsNoTracking().AnyAsync(r => keys.Contains(r.CalendarKey!), ct))
            {
                throw;
            }
            return await RunAsync(input, ct);
        }
    }

    async Task<List<CalendarItem>> CreateAsync(IReadOnlyList<CalendarEntry> entries, List<string> keys, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var earliest = NoticePolicy.EarliestAllowedStart(now, options.ScheduleNoticeDays, options.Zone);
        var existing = await db.Releases.IgnoreQueryFilters().Where(r => keys.Contains(r.CalendarKey!)).ToDictionaryAsync(r => r.CalendarKey!, r => r.Id, ct);
        var items = new List<CalendarItem>();
        foreach (var entry in entries)
        {
            if (existing.TryGetValue(entry.Key, out var id))
            {
                items.Add(new(entry.Key, entry.Kind, entry.PlannedStart, "existing", id, null));
            }
            else if (entry.PlannedStart < earliest)
            {
                items.Add(new(entry.Key, entry.Kind, entry.PlannedStart, "skipped", null,
                    $"It would start before {RolloutEngine.When(earliest)}, inside the {options.ScheduleNoticeDays}-day schedule notice; create an out-of-band release if it cannot wait."));
            }
            else
            {
                var release = new Release
                {
                    Title = entry.Title,
                    Kind = entry.Kind,
                    PlannedStart = entry.PlannedStart,
                    CalendarKey = entry.Key,
                    Description = entry.Kind == ReleaseKind.Security ? "The monthly security release: security updates for the managed devices."
                        : "The monthly non-security preview: fixes and improvements ahead of next month's security release.",
                    CreatedById = user.Id ?? Guid.Empty,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                db.Releases.Add(release);
                await rollouts.SyncAsync(release, ct);
                items.Add(new(entry.Key, entry.Kind, entry.PlannedStart, "created", release.Id, null));
            }
        }
        return items;
    }
}
