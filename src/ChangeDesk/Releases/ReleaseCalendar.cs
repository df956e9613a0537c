namespace ChangeDesk.Releases;

public sealed record CalendarEntry(ReleaseKind Kind, string Key, string Title, DateTimeOffset PlannedStart);

/// <summary>
/// The monthly release calendar: the security release on the second Tuesday and the optional non-security preview
/// on the fourth Tuesday, at a local time in a time zone, as UTC instants. A local time that a daylight-saving
/// switch skips is read with the offset in force before the switch (02:30 in a 02:00→03:00 gap is 03:30 after
/// it); a time that occurs twice is its first occurrence.
/// </summary>
public sealed class ReleaseCalendar(TimeOnly time, TimeZoneInfo zone)
{
    public static DateOnly NthTuesday(int year, int month, int n)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)DayOfWeek.Tuesday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + 7 * (n - 1));
    }

    public DateTimeOffset SecurityRelease(int year, int month) => ToUtc(NthTuesday(year, month, 2));

    public DateTimeOffset PreviewRelease(int year, int month) => ToUtc(NthTuesday(year, month, 4));

    /// <summary>The month's calendar releases, in order.</summary>
    public IReadOnlyList<CalendarEntry> Month(int year, int month, bool preview)
    {
        var label = $"{year:0000}-{month:00}";
        var entries = new List<CalendarEntry> { new(ReleaseKind.Security, $"{label}-security", $"{label} security release", SecurityRelease(year, month)) };
        if (preview)
        {
            entries.Add(new(ReleaseKind.NonSecurity, $"{label}-preview", $"{label} non-security preview release", PreviewRelease(year, month)));
        }
        return entries;
    }

    public DateTimeOffset ToUtc(DateOnly date) => ToUtc(date.ToDateTime(time), zone);

    /// <summary>When the schedule of a release starting at <paramref name="plannedStart"/> must be posted: whole calendar days before, on the zone's wall clock.</summary>
    public DateTimeOffset ScheduleNoticeDue(DateTimeOffset plannedStart, int days) =>
        ToUtc(TimeZoneInfo.ConvertTime(plannedStart, zone).DateTime.AddDays(-days), zone);

    public static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var offset = zone.IsInvalidTime(local) ? OffsetBefore(zone, local)
            : zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max()
            : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    static TimeSpan OffsetBefore(TimeZoneInfo zone, DateTime invalid)
    {
        var probe = invalid;
        while (zone.IsInvalidTime(probe))
        {
            probe = probe.AddMinutes(-15);
        }
        return zone.GetUtcOffset(probe);
    }
}
