using ChangeDesk.Releases;

namespace ChangeDesk.Tests.Rules;

public sealed class ReleaseCalendarTests
{
    static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    static readonly TimeZoneInfo Tehran = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tehran");

    [Fact]
    public void SecondAndFourthTuesdayOfEveryMonthFrom2000To2100AreTuesdaysInTheirWeek()
    {
        for (var year = 2000; year <= 2100; year++)
        {
            for (var month = 1; month <= 12; month++)
            {
                var second = ReleaseCalendar.NthTuesday(year, month, 2);
                var fourth = ReleaseCalendar.NthTuesday(year, month, 4);
                Assert.Equal(DayOfWeek.Tuesday, second.DayOfWeek);
                Assert.Equal(DayOfWeek.Tuesday, fourth.DayOfWeek);
                Assert.InRange(second.Day, 8, 14);
                Assert.InRange(fourth.Day, 22, 28);
                Assert.Equal(month, second.Month);
                Assert.Equal(14, fourth.DayNumber - second.DayNumber);
            }
        }
    }

    [Theory]
    [InlineData(2026, 3, 10, 24)]
    [InlineData(2026, 9, 8, 22)]
    [InlineData(2026, 12, 8, 22)]
    [InlineData(2027, 6, 8, 22)]
    [InlineData(2024, 10, 8, 22)]
    [InlineData(2025, 4, 8, 22)]
    [InlineData(2023, 8, 8, 22)]
    [InlineData(2030, 1, 8, 22)]
    [InlineData(2026, 2, 10, 24)]
    [InlineData(2022, 11, 8, 22)]
    public void KnownMonthsHaveTheirPatchTuesdays(int year, int month, int second, int fourth)
    {
        Assert.Equal(new DateOnly(year, month, second), ReleaseCalendar.NthTuesday(year, month, 2));
        Assert.Equal(new DateOnly(year, month, fourth), ReleaseCalendar.NthTuesday(year, month, 4));
    }

    [Fact]
    public void EveryReleaseOverACenturyStartsAtTheConfiguredLocalTimeInItsZone()
    {
        var calendar = new ReleaseCalendar(new TimeOnly(10, 0), NewYork);
        for (var year = 2000; year <= 2100; year++)
        {
            for (var month = 1; month <= 12; month++)
            {
                foreach (var instant in new[] { calendar.SecurityRelease(year, month), calendar.PreviewRelease(year, month) })
                {
                    Assert.Equal(TimeSpan.Zero, instant.Offset);
                    var local = TimeZoneInfo.ConvertTime(instant, NewYork);
                    Assert.Equal(new TimeOnly(10, 0), TimeOnly.FromDateTime(local.DateTime));
                    Assert.Equal(DayOfWeek.Tuesday, local.DayOfWeek);
                }
            }
        }
    }

    [Fact]
    public void TheUtcInstantFollowsDaylightSavingTime()
    {
        var calendar = new ReleaseCalendar(new TimeOnly(10, 0), NewYork);

        // 2026: daylight saving starts on March 8, before the second Tuesday (March 10).
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 14, 0, 0, TimeSpan.Zero), calendar.SecurityRelease(2026, 3));
        // 2027: it starts on March 14, after the second Tuesday (March 9).
        Assert.Equal(new DateTimeOffset(2027, 3, 9, 15, 0, 0, TimeSpan.Zero), calendar.SecurityRelease(2027, 3));
        Assert.Equal(new DateTimeOffset(2027, 3, 23, 14, 0, 0, TimeSpan.Zero), calendar.PreviewRelease(2027, 3));
        // November 2026: standard time again from November 1.
        Assert.Equal(new DateTimeOffset(2026, 11, 10, 15, 0, 0, TimeSpan.Zero), calendar.SecurityRelease(2026, 11));
    }

    [Fact]
    public void BerlinSwitchesAtTheEndOfMarchSoTheFourthTuesdayMayFallEitherSide()
    {
        var calendar = new ReleaseCalendar(new TimeOnly(17, 0), Berlin);

        // 2026: summer time from March 29; the fourth Tuesday (March 24) is still winter time.
        Assert.Equal(new DateTimeOffset(2026, 3, 24, 16, 0, 0, TimeSpan.Zero), calendar.PreviewRelease(2026, 3));
        Assert.Equal(new DateTimeOffset(2026, 4, 14, 15, 0, 0, TimeSpan.Zero), calendar.SecurityRelease(2026, 4));
        // October 2026: winter time from October 25; the fourth Tuesday (October 27) is after it.
        Assert.Equal(new DateTimeOffset(2026, 10, 27, 16, 0, 0, TimeSpan.Zero), calendar.PreviewRelease(2026, 10));
        Assert.Equal(new DateTimeOffset(2026, 10, 13, 15, 0, 0, TimeSpan.Zero), calendar.SecurityRelease(2026, 10));
    }

    [Fact]
    public void ATimeInADaylightSavingGapIsReadWithTheOffsetBeforeTheGap()
    {
        // Tehran moved its clocks from 00:00 to 01:00 on Tuesday 22 March 2022, the fourth Tuesday of that month:
        // 00:30 did not exist that night. It is read as +03:30, i.e. 01:30 on the clocks after the switch.
        var calendar = new ReleaseCalendar(new TimeOnly(0, 30), Tehran);

        var preview = calendar.PreviewRelease(2022, 3);

        Assert.Equal(new DateTimeOffset(2022, 3, 21, 21, 0, 0, TimeSpan.Zero), preview);
        Assert.Equal(new DateTime(2022, 3, 22, 1, 30, 0), TimeZoneInfo.ConvertTime(preview, Tehran).DateTime);
        // The second Tuesday of that month is an ordinary day at +03:30.
        Assert.Equal(new DateTimeOffset(2022, 3, 7, 21, 0, 0, TimeSpan.Zero), calendar.SecurityRelease(2022, 3));
    }

    [Fact]
    public void ATimeThatOccursTwiceIsItsFirstOccurrence()
    {
        // New York repeats 01:00–02:00 on 1 November 2026.
        var first = ReleaseCalendar.ToUtc(new DateTime(2026, 11, 1, 1, 30, 0), NewYork);

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero), first);
    }

    [Fact]
    public void AMonthHasTheSecurityReleaseAndThePreviewOnlyWhenAskedFor()
    {
        var calendar = new ReleaseCalendar(new TimeOnly(10, 0), TimeZoneInfo.Utc);

        var without = calendar.Month(2026, 3, preview: false);
        var with = calendar.Month(2026, 3, preview: true);

        var security = Assert.Single(without);
        Assert.Equal(ReleaseKind.Security, security.Kind);
        Assert.Equal("2026-03-security", security.Key);
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 10, 0, 0, TimeSpan.Zero), security.PlannedStart);
        Assert.Equal(2, with.Count);
        Assert.Equal(ReleaseKind.NonSecurity, with[1].Kind);
        Assert.Equal("2026-03-preview", with[1].Key);
        Assert.Equal(new DateTimeOffset(2026, 3, 24, 10, 0, 0, TimeSpan.Zero), with[1].PlannedStart);
    }

    [Fact]
    public void TheScheduleIsDueWholeCalendarDaysBeforeTheStartAcrossADaylightSavingSwitch()
    {
        var calendar = new ReleaseCalendar(new TimeOnly(10, 0), NewYork);
        var start = calendar.SecurityRelease(2026, 3); // 10 March, 10:00 EDT

        var due = calendar.ScheduleNoticeDue(start, 7); // 3 March, 10:00 EST: seven days on the clock, 167 hours

        Assert.Equal(new DateTimeOffset(2026, 3, 3, 15, 0, 0, TimeSpan.Zero), due);
        Assert.Equal(TimeSpan.FromDays(7) - TimeSpan.FromHours(1), start - due);
    }
}
