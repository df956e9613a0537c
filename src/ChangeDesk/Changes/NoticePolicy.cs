using ChangeDesk.Web;

namespace ChangeDesk.Changes;

/// <summary>
/// The seed's advance-notice rule: a change that requires administrator action must be announced at least
/// N days before it takes effect. Days are calendar days in the service's time zone, so a notice period
/// that spans a daylight-saving switch is still "five days" on the wall clock.
/// </summary>
public static class NoticePolicy
{
    public static DateTimeOffset EarliestAllowedStart(DateTimeOffset now, int noticeDays, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var target = local.DateTime.AddDays(noticeDays);
        // A wall-clock time inside a spring-forward gap does not exist; it is read with the offset in force
        // before the gap, which keeps the elapsed notice whole whatever the gap's length (30 minutes in some zones).
        var offset = zone.IsInvalidTime(target) ? OffsetBefore(zone, target)
            : zone.IsAmbiguousTime(target)
            ? zone.GetAmbiguousTimeOffsets(target).Max()
            : zone.GetUtcOffset(target);
        return new DateTimeOffset(target, offset).ToUniversalTime();
    }

    static TimeSpan OffsetBefore(TimeZoneInfo zone, DateTime invalidLocal)
    {
        var probe = invalidLocal;
        while (zone.IsInvalidTime(probe))
        {
            probe = probe.AddMinutes(-15);
        }
        return zone.GetUtcOffset(probe);
    }

    public static NoticeDecision Check(
        DateTimeOffset now, DateTimeOffset plannedStart, bool adminActionRequired, bool emergency, int noticeDays, TimeZoneInfo zone)
    {
        if (emergency || !adminActionRequired || noticeDays <= 0)
        {
            return NoticeDecision.Allowed;
        }
        var earliest = EarliestAllowedStart(now, noticeDays, zone);
        return plannedStart >= earliest ? NoticeDecision.Allowed : new NoticeDecision(false, earliest);
    }
}

public sealed record NoticeDecision(bool IsAllowed, DateTimeOffset? EarliestAllowedStart)
{
    public static NoticeDecision Allowed { get; } = new(true, null);

    /// <summary>Refuses (<c>422 notice-period</c>) a change announced with less notice than its type requires, naming the earliest start.</summary>
    public void EnsureAllowed(string typeName, int noticeDays)
    {
        if (IsAllowed)
        {
            return;
        }
        var earliest = EarliestAllowedStart!.Value;
        throw new RuleViolationException("notice-period", "Too little notice for a change that requires admin action.",
            $"A {typeName.ToLowerInvariant()} change that requires administrator action must be announced {noticeDays} days before it starts. "
            + $"The earliest allowed start is {earliest:yyyy-MM-dd HH:mm} UTC; move the planned start to then or later, or mark the change as an emergency.")
        {
            Extensions = { ["earliestAllowedStart"] = earliest, ["noticeDays"] = noticeDays },
            Errors = { ["plannedStart"] = [$"Must be {earliest:yyyy-MM-dd HH:mm} UTC or later ({noticeDays} days' notice)."] },
        };
    }
}
