using ChangeDesk.Support;

namespace ChangeDesk.Tests.Rules;

public sealed class FirstResponsePolicyTests
{
    static readonly DateTimeOffset Filed = new(2026, 3, 6, 16, 30, 0, TimeSpan.Zero); // a Friday afternoon

    [Theory]
    [InlineData(SupportSeverity.A, 1)]
    [InlineData(SupportSeverity.B, 4)]
    [InlineData(SupportSeverity.C, 24)]
    public void TheDefaultTargetsAreOneFourAndTwentyFourHours(SupportSeverity severity, int hours)
    {
        Assert.Equal(Filed.AddHours(hours), FirstResponsePolicy.DueAt(Filed, severity, new FirstResponseHours()));
    }

    [Fact]
    public void ConfiguredTargetsAreUsedAndMayBeFractions()
    {
        var targets = new FirstResponseHours { A = 0.5, B = 2, C = 72 };

        Assert.Equal(Filed.AddMinutes(30), FirstResponsePolicy.DueAt(Filed, SupportSeverity.A, targets));
        Assert.Equal(Filed.AddHours(2), FirstResponsePolicy.DueAt(Filed, SupportSeverity.B, targets));
        Assert.Equal(Filed.AddDays(3), FirstResponsePolicy.DueAt(Filed, SupportSeverity.C, targets));
    }

    [Fact]
    public void TheDueTimeIsInUtcWhateverTheOffsetOfTheFilingTime()
    {
        var berlin = new DateTimeOffset(2026, 3, 6, 17, 30, 0, TimeSpan.FromHours(1));

        var due = FirstResponsePolicy.DueAt(berlin, SupportSeverity.A, new FirstResponseHours());

        Assert.Equal(TimeSpan.Zero, due.Offset);
        Assert.Equal(Filed.AddHours(1), due);
    }

    [Fact]
    public void HoursRunThroughNightsAndWeekends()
    {
        Assert.Equal(new DateTimeOffset(2026, 3, 7, 16, 30, 0, TimeSpan.Zero), FirstResponsePolicy.DueAt(Filed, SupportSeverity.C, new FirstResponseHours()));
    }

    [Fact]
    public void WithoutAResponseTheTargetIsBreachedOnlyOnceTheDueTimeHasPassed()
    {
        var due = Filed.AddHours(1);

        Assert.False(FirstResponsePolicy.IsBreached(due, null, due.AddMinutes(-1)));
        Assert.False(FirstResponsePolicy.IsBreached(due, null, due));
        Assert.True(FirstResponsePolicy.IsBreached(due, null, due.AddTicks(1)));
        Assert.True(FirstResponsePolicy.IsBreached(due, null, due.AddDays(3)));
    }

    [Fact]
    public void AResponseByTheDueTimeMeetsTheTargetForever()
    {
        var due = Filed.AddHours(1);

        Assert.False(FirstResponsePolicy.IsBreached(due, due, due.AddDays(30)));
        Assert.False(FirstResponsePolicy.IsBreached(due, Filed.AddMinutes(5), due.AddDays(30)));
    }

    [Fact]
    public void ALateResponseStaysABreach()
    {
        var due = Filed.AddHours(1);

        Assert.True(FirstResponsePolicy.IsBreached(due, due.AddMinutes(1), due.AddMinutes(2)));
        Assert.True(FirstResponsePolicy.IsBreached(due, due.AddMinutes(1), due.AddDays(30)));
    }

    [Theory]
    [InlineData(0, 4, 24)]
    [InlineData(1, -2, 24)]
    [InlineData(1, 4, 9000)]
    public void AConfigurationWithoutAUsableTargetIsRefusedAtStart(double a, double b, double c)
    {
        var options = new SupportOptions { FirstResponseHours = new FirstResponseHours { A = a, B = b, C = c } };

        var refused = Assert.Throws<InvalidOperationException>(() => options.Validated());
        Assert.Contains("Support:FirstResponseHours", refused.Message);
    }

    [Fact]
    public void ANegativeAutoCloseIsRefusedAtStartAndTheDefaultsAreValid()
    {
        Assert.Throws<InvalidOperationException>(() => new SupportOptions { AutoCloseDays = -1 }.Validated());
        var defaults = new SupportOptions().Validated();
        Assert.Equal((1, 4, 24, 7), (defaults.FirstResponseHours.A, defaults.FirstResponseHours.B, defaults.FirstResponseHours.C, defaults.AutoCloseDays));
    }
}
