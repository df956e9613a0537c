using ChangeDesk.Signals;

namespace ChangeDesk.Tests.Rules;

public sealed class ThresholdEvaluatorTests
{
    static readonly SignalThresholds Limits = new(MaxInstallFailurePercent: 5, MaxReliabilityEventsPer1000: 20, MaxSupportRequestsPer1000: 5, MinDevices: 20);

    [Fact]
    public void DefaultsAreFivePercentFailuresTwentyReliabilityEventsAndFiveSupportRequestsPerThousandFromTwentyDevices()
    {
        Assert.Equal(Limits, SignalThresholds.Default);
    }

    [Fact]
    public void HealthySignalsBreachNothing()
    {
        Assert.Empty(ThresholdEvaluator.Evaluate(new SignalTotals(1000, 990, 10, 5, 2), Limits));
    }

    [Fact]
    public void AnInstallFailureRateAboveTheLimitIsABreach()
    {
        var breach = Assert.Single(ThresholdEvaluator.Evaluate(new SignalTotals(1000, 940, 60, 0), Limits));

        Assert.Equal(SignalMetric.InstallFailureRate, breach.Metric);
        Assert.Equal(6, breach.Value, 6);
        Assert.Equal(5, breach.Limit);
        Assert.Contains("6 %", breach.Detail);
        Assert.Contains("60 of 1,000 installs", breach.Detail);
    }

    [Fact]
    public void ARateEqualToItsLimitIsWithinIt()
    {
        Assert.Empty(ThresholdEvaluator.Evaluate(new SignalTotals(1000, 950, 50, 20, 5), Limits));
    }

    [Fact]
    public void TheFailureRateCountsOnlyFromTheMinimumNumberOfInstalls()
    {
        // 10 of 19 installs failed: too few installs for the rate to count.
        Assert.Empty(ThresholdEvaluator.Evaluate(new SignalTotals(500, 9, 10, 0), Limits));
        // One more failed install reaches the minimum.
        Assert.Equal(SignalMetric.InstallFailureRate, Assert.Single(ThresholdEvaluator.Evaluate(new SignalTotals(500, 9, 11, 0), Limits)).Metric);
    }

    [Fact]
    public void PerThousandDeviceRatesCountOnlyFromTheMinimumDeviceCount()
    {
        // 3 crashes on 19 devices is 158 per 1,000, but 19 devices are too few to judge.
        Assert.Empty(ThresholdEvaluator.Evaluate(new SignalTotals(19, 0, 0, 3, 3), Limits));
        var breaches = ThresholdEvaluator.Evaluate(new SignalTotals(20, 0, 0, 3, 3), Limits);
        Assert.Equal([SignalMetric.ReliabilityEvents, SignalMetric.SupportRequests], breaches.Select(b => b.Metric));
        Assert.Equal(150, breaches[0].Value, 6);
    }

    [Fact]
    public void NoDevicesMeansNoPerThousandRateWhateverTheMinimum()
    {
        Assert.Empty(ThresholdEvaluator.Evaluate(new SignalTotals(0, 0, 0, 50, 50), Limits with { MinDevices = 0 }));
    }

    [Fact]
    public void ReliabilityEventsAboveTheLimitPerThousandDevicesAreABreach()
    {
        var breach = Assert.Single(ThresholdEvaluator.Evaluate(new SignalTotals(2000, 0, 0, 41), Limits));

        Assert.Equal(SignalMetric.ReliabilityEvents, breach.Metric);
        Assert.Equal(20.5, breach.Value, 6);
        Assert.Contains("41 on 2,000 devices", breach.Detail);
    }

    [Fact]
    public void SupportRequestsAboveTheLimitPerThousandDevicesAreABreach()
    {
        var breach = Assert.Single(ThresholdEvaluator.Evaluate(new SignalTotals(1000, 0, 0, 0, 6), Limits));

        Assert.Equal(SignalMetric.SupportRequests, breach.Metric);
        Assert.Equal(6, breach.Value, 6);
    }

    [Fact]
    public void ThresholdsOverriddenForARelease()
    {
        var strict = Limits with { MaxInstallFailurePercent = 1, MinDevices = 100 };

        Assert.Single(ThresholdEvaluator.Evaluate(new SignalTotals(1000, 980, 20, 0), strict));
        Assert.Empty(ThresholdEvaluator.Evaluate(new SignalTotals(1000, 80, 19, 0), strict)); // 99 installs < 100
    }

    [Fact]
    public void RingSignalsAndSupportRequestsCanBeJudgedApart()
    {
        var totals = new SignalTotals(1000, 900, 100, 100, 100);

        Assert.Equal([SignalMetric.SupportRequests], ThresholdEvaluator.Evaluate(totals, Limits, includeRingSignals: false).Select(b => b.Metric));
        Assert.Equal([SignalMetric.InstallFailureRate, SignalMetric.ReliabilityEvents],
            ThresholdEvaluator.Evaluate(totals, Limits, includeSupportRequests: false).Select(b => b.Metric));
    }
}
