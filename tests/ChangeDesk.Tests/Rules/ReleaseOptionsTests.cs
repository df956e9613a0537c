using ChangeDesk.Releases;
using ChangeDesk.Signals;
using Microsoft.Extensions.Configuration;

namespace ChangeDesk.Tests.Rules;

public sealed class ReleaseOptionsTests
{
    [Fact]
    public void TheReleasesSectionBindsTimeZoneThresholdsAndTimings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Releases:Time"] = "09:30",
            ["Releases:TimeZone"] = "Europe/Berlin",
            ["Releases:Preview"] = "true",
            ["Releases:ScheduleNoticeDays"] = "10",
            ["Releases:Thresholds:MaxInstallFailurePercent"] = "2.5",
            ["Releases:Thresholds:MinDevices"] = "50",
            ["Releases:PollInterval"] = "00:00:30",
            ["Releases:ServiceWideBreachTenants"] = "3",
        }).Build();

        var options = configuration.GetSection(ReleaseOptions.Section).Get<ReleaseOptions>()!;

        Assert.Equal(new TimeOnly(9, 30), options.Time);
        Assert.Equal("Europe/Berlin", options.Zone.Id);
        Assert.True(options.Preview);
        Assert.Equal(10, options.ScheduleNoticeDays);
        Assert.Equal(new SignalThresholds(2.5, 20, 5, 50), options.DefaultThresholds);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PollInterval);
        // 09:30 in Berlin in winter is 08:30 UTC.
        Assert.Equal(new DateTimeOffset(2027, 1, 12, 8, 30, 0, TimeSpan.Zero), options.Calendar.SecurityRelease(2027, 1));
    }

    [Fact]
    public void AReleaseOverridesOnlyTheThresholdsItSets()
    {
        var options = new ReleaseOptions();
        var release = new Release { Title = "x", MaxReliabilityEventsPer1000 = 8, MinDevices = 100 };

        Assert.Equal(new SignalThresholds(5, 8, 5, 100), options.ThresholdsFor(release));
    }

    [Theory]
    [InlineData(1, 3, false)]
    [InlineData(2, 3, true)]
    [InlineData(1, 1, false)] // one tenant's breach pauses that tenant, even when it is the only one
    [InlineData(2, 10, true)]
    public void ABreachInTwoTenantsIsServiceWideByDefault(int breaching, int total, bool serviceWide)
    {
        Assert.Equal(serviceWide, new ReleaseOptions().IsServiceWide(breaching, total));
    }

    [Theory]
    [InlineData(2, 10, false)]
    [InlineData(3, 10, true)] // 30 % of the tenants
    [InlineData(5, 10, true)]
    [InlineData(1, 2, false)] // a share counts from two tenants
    public void AShareOfTenantsCanMakeABreachServiceWide(int breaching, int total, bool serviceWide)
    {
        var options = new ReleaseOptions { ServiceWideBreachTenants = 5, ServiceWideBreachShare = 0.3 };

        Assert.Equal(serviceWide, options.IsServiceWide(breaching, total));
    }
}
