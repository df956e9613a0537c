using ChangeDesk.Changes;

namespace ChangeDesk.Tests.Rules;

public sealed class NoticePolicyTests
{
    static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    // A Monday in early March 2026: no daylight-saving switch within five days in either zone.
    static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    static NoticeDecision Check(DateTimeOffset now, DateTimeOffset start, TimeZoneInfo zone, bool adminAction = true, bool emergency = false, int days = 5) =>
        NoticePolicy.Check(now, start, adminAction, emergency, days, zone);

    [Fact]
    public void StartExactlyFiveDaysAheadIsAllowed()
    {
        var decision = Check(Now, new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.Zero), Utc);

        Assert.True(decision.IsAllowed);
        Assert.Null(decision.EarliestAllowedStart);
    }

    [Fact]
    public void StartOneMinuteShortOfFiveDaysIsRefusedAndReportsTheEarliestAllowedStart()
    {
        var decision = Check(Now, new DateTimeOffset(2026, 3, 7, 8, 59, 0, TimeSpan.Zero), Utc);

        Assert.False(decision.IsAllowed);
        Assert.Equal(new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.Zero), decision.EarliestAllowedStart);
    }

    [Fact]
    public void StartOneSecondShortOfFiveDaysIsRefused()
    {
        var decision = Check(Now, new DateTimeOffset(2026, 3, 7, 8, 59, 59, TimeSpan.Zero), Utc);

        Assert.False(decision.IsAllowed);
        Assert.Equal(new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.Zero), decision.EarliestAllowedStart);
    }

    [Fact]
    public void StartLaterThanFiveDaysAheadIsAllowed()
    {
        Assert.True(Check(Now, new DateTimeOffset(2026, 3, 20, 9, 0, 0, TimeSpan.Zero), Utc).IsAllowed);
    }

    [Fact]
    public void EarliestAllowedStartIsReportedInUtcWhateverTheOffsetOfNow()
    {
        var nowInBerlin = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.FromHours(1));

        var earliest = NoticePolicy.EarliestAllowedStart(nowInBerlin, 5, Berlin);

        Assert.Equal(new DateTimeOffset(2026, 3, 7, 9, 0, 0, TimeSpan.Zero), earliest);
        Assert.Equal(TimeSpan.Zero, earliest.Offset);
    }

    [Fact]
    public void EmergencyChangeSkipsTheNoticePeriod()
    {
        var decision = Check(Now, Now.AddHours(1), Utc, emergency: true);

        Assert.True(decision.IsAllowed);
        Assert.Null(decision.EarliestAllowedStart);
    }

    [Fact]
    public void ChangeWithoutAdminActionSkipsTheNoticePeriod()
    {
        var decision = Check(Now, Now.AddHours(1), Utc, adminAction: false);

        Assert.True(decision.IsAllowed);
        Assert.Null(decision.EarliestAllowedStart);
    }

    [Fact]
    public void ZeroNoticeDaysAllowsAnImmediateStart()
    {
        Assert.True(Check(Now, Now, Utc, days: 0).IsAllowed);
        Assert.True(Check(Now, Now.AddMinutes(-5), Utc, days: 0).IsAllowed);
        Assert.Equal(Now, NoticePolicy.EarliestAllowedStart(Now, 0, Utc));
    }

    [Fact]
    public void OneNoticeDayRefusesAStartOnTheSameDay()
    {
        var decision = Check(Now, Now.AddHours(23), Utc, days: 1);

        Assert.False(decision.IsAllowed);
        Assert.Equal(Now.AddDays(1), decision.EarliestAllowedStart);
    }

    [Fact]
    public void BerlinNoticeAcrossSpringForwardIsFiveWallClockDaysOf119Hours()
    {
        // Clocks go from 02:00 CET to 03:00 CEST on Sunday 29 March 2026.
        var now = new DateTimeOffset(2026, 3, 25, 12, 0, 0, TimeSpan.FromHours(1));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, Berlin);

        Assert.Equal(new DateTimeOffset(2026, 3, 30, 12, 0, 0, TimeSpan.FromHours(2)), earliest);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 10, 0, 0, TimeSpan.Zero), earliest);
        Assert.Equal(TimeSpan.FromHours(119), earliest - now);
    }

    [Fact]
    public void BerlinStartAtNoonFiveDaysLaterIsAllowedAcrossSpringForwardButOneSecondEarlierIsNot()
    {
        var now = new DateTimeOffset(2026, 3, 25, 12, 0, 0, TimeSpan.FromHours(1));
        var noonFiveDaysLater = new DateTimeOffset(2026, 3, 30, 12, 0, 0, TimeSpan.FromHours(2));

        Assert.True(Check(now, noonFiveDaysLater, Berlin).IsAllowed);
        var refused = Check(now, noonFiveDaysLater.AddSeconds(-1), Berlin);
        Assert.False(refused.IsAllowed);
        Assert.Equal(noonFiveDaysLater, refused.EarliestAllowedStart);
    }

    [Fact]
    public void BerlinNoticeAcrossFallBackIsFiveWallClockDaysOf121Hours()
    {
        // Clocks go from 03:00 CEST back to 02:00 CET on Sunday 25 October 2026.
        var now = new DateTimeOffset(2026, 10, 22, 12, 0, 0, TimeSpan.FromHours(2));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, Berlin);

        Assert.Equal(new DateTimeOffset(2026, 10, 27, 12, 0, 0, TimeSpan.FromHours(1)), earliest);
        Assert.Equal(TimeSpan.FromHours(121), earliest - now);
        Assert.False(Check(now, now.AddHours(120), Berlin).IsAllowed);
        Assert.True(Check(now, now.AddHours(121), Berlin).IsAllowed);
    }

    [Fact]
    public void TargetInAHalfHourGapKeepsTheFullNotice()
    {
        // Lord Howe Island moves its clocks 30 minutes forward at 02:00 on 4 October 2026: 02:15 never happens.
        var lordHowe = TimeZoneInfo.FindSystemTimeZoneById("Australia/Lord_Howe");
        var now = new DateTimeOffset(2026, 9, 29, 2, 15, 0, TimeSpan.FromHours(10.5));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, lordHowe);

        Assert.Equal(TimeSpan.FromHours(120), earliest - now);
        Assert.Equal(new DateTime(2026, 10, 4, 2, 45, 0), TimeZoneInfo.ConvertTime(earliest, lordHowe).DateTime);
    }

    [Fact]
    public void BerlinTargetInTheSpringForwardGapMovesPastTheGap()
    {
        // 02:30 on 29 March 2026 never happens in Berlin: the wall clock jumps from 02:00 to 03:00.
        var now = new DateTimeOffset(2026, 3, 24, 2, 30, 0, TimeSpan.FromHours(1));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, Berlin);

        var local = TimeZoneInfo.ConvertTime(earliest, Berlin);
        Assert.False(Berlin.IsInvalidTime(local.DateTime));
        Assert.Equal(new DateTime(2026, 3, 29, 3, 30, 0), local.DateTime);
        Assert.Equal(TimeSpan.FromHours(2), local.Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), earliest);
        Assert.Equal(TimeSpan.FromHours(120), earliest - now);
    }

    [Fact]
    public void BerlinTargetInTheAmbiguousFallBackHourIsItsFirstOccurrence()
    {
        // 02:30 on 25 October 2026 happens twice in Berlin: first at +02:00, then at +01:00.
        var now = new DateTimeOffset(2026, 10, 20, 2, 30, 0, TimeSpan.FromHours(2));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, Berlin);

        Assert.Equal(new DateTimeOffset(2026, 10, 25, 2, 30, 0, TimeSpan.FromHours(2)), earliest);
        Assert.Equal(TimeSpan.FromHours(120), earliest - now);
    }

    [Fact]
    public void NewYorkNoticeAcrossSpringForwardIs119Hours()
    {
        // Clocks go from 02:00 EST to 03:00 EDT on Sunday 8 March 2026.
        var now = new DateTimeOffset(2026, 3, 5, 9, 0, 0, TimeSpan.FromHours(-5));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, NewYork);

        Assert.Equal(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.FromHours(-4)), earliest);
        Assert.Equal(TimeSpan.FromHours(119), earliest - now);
    }

    [Fact]
    public void NewYorkNoticeAcrossFallBackIs121Hours()
    {
        // Clocks go from 02:00 EDT back to 01:00 EST on Sunday 1 November 2026.
        var now = new DateTimeOffset(2026, 10, 29, 9, 0, 0, TimeSpan.FromHours(-4));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, NewYork);

        Assert.Equal(new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.FromHours(-5)), earliest);
        Assert.Equal(TimeSpan.FromHours(121), earliest - now);
        Assert.False(Check(now, now.AddHours(121).AddSeconds(-1), NewYork).IsAllowed);
        Assert.True(Check(now, now.AddHours(121), NewYork).IsAllowed);
    }

    [Fact]
    public void NewYorkTargetInTheSpringForwardGapMovesPastTheGap()
    {
        var now = new DateTimeOffset(2026, 3, 3, 2, 30, 0, TimeSpan.FromHours(-5));

        var earliest = NoticePolicy.EarliestAllowedStart(now, 5, NewYork);

        var local = TimeZoneInfo.ConvertTime(earliest, NewYork);
        Assert.Equal(new DateTime(2026, 3, 8, 3, 30, 0), local.DateTime);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 7, 30, 0, TimeSpan.Zero), earliest);
    }

    [Fact]
    public void UtcNoticeIsAlwaysExactly120Hours()
    {
        var now = new DateTimeOffset(2026, 3, 25, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromHours(120), NoticePolicy.EarliestAllowedStart(now, 5, Utc) - now);
    }
}
