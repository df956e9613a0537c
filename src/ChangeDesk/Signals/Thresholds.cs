using System.Globalization;

namespace ChangeDesk.Signals;

public enum SignalMetric
{
    InstallFailureRate,
    ReliabilityEvents,
    SupportRequests,
}

/// <summary>Limits a ring's signals must stay within for the rollout to go on.</summary>
public sealed record SignalThresholds(
    double MaxInstallFailurePercent, double MaxReliabilityEventsPer1000, double MaxSupportRequestsPer1000, int MinDevices)
{
    public static SignalThresholds Default { get; } = new(5, 20, 5, 20);
}

/// <summary>Signal counts to judge (already net of what a lifted breach pause accepted).</summary>
public sealed record SignalTotals(int Devices, long InstallSuccesses, long InstallFailures, long ReliabilityEvents, long SupportRequests = 0)
{
    public static SignalTotals None { get; } = new(0, 0, 0, 0);

    public long Installs => InstallSuccesses + InstallFailures;

    /// <summary>Failed installs as a percent of installs; null before any install is reported.</summary>
    public double? InstallFailurePercent => Installs == 0 ? null : 100.0 * InstallFailures / Installs;

    public double? ReliabilityPer1000 => Devices == 0 ? null : 1000.0 * ReliabilityEvents / Devices;
    public double? SupportRequestsPer1000 => Devices == 0 ? null : 1000.0 * SupportRequests / Devices;
}

/// <summary>A signal above its threshold.</summary>
public sealed record Breach(SignalMetric Metric, double Value, double Limit, string Detail);

/// <summary>
/// Compares signals with thresholds. A rate counts only once enough devices stand behind it: the install failure
/// rate from <see cref="SignalThresholds.MinDevices"/> installs on, the per-1,000-device rates from that many
/// reported devices on. Limits are exclusive: a rate equal to its threshold is within it.
/// </summary>
public static class ThresholdEvaluator
{
    public static IReadOnlyList<Breach> Evaluate(SignalTotals totals, SignalThresholds limits, bool includeSupportRequests = true, bool includeRingSignals = true)
    {
        var breaches = new List<Breach>();
        if (includeRingSignals && totals.Installs >= limits.MinDevices && totals.InstallFailurePercent is { } rate && rate > limits.MaxInstallFailurePercent)
        {
            breaches.Add(new(SignalMetric.InstallFailureRate, rate, limits.MaxInstallFailurePercent,
                $"install failure rate {Percent(rate)} ({totals.InstallFailures:N0} of {totals.Installs:N0} installs) is above {Percent(limits.MaxInstallFailurePercent)}"));
        }
        var enoughDevices = totals.Devices > 0 && totals.Devices >= limits.MinDevices;
        if (includeRingSignals && enoughDevices && totals.ReliabilityPer1000 is { } reliability && reliability > limits.MaxReliabilityEventsPer1000)
        {
            breaches.Add(new(SignalMetric.ReliabilityEvents, reliability, limits.MaxReliabilityEventsPer1000,
                $"reliability events {Number(reliability)} per 1,000 devices ({totals.ReliabilityEvents:N0} on {totals.Devices:N0} devices) is above {Number(limits.MaxReliabilityEventsPer1000)}"));
        }
        if (includeSupportRequests && enoughDevices && totals.SupportRequestsPer1000 is { } support && support > limits.MaxSupportRequestsPer1000)
        {
            breaches.Add(new(SignalMetric.SupportRequests, support, limits.MaxSupportRequestsPer1000,
                $"support requests {Number(support)} per 1,000 devices ({totals.SupportRequests:N0} on {totals.Devices:N0} devices) is above {Number(limits.MaxSupportRequestsPer1000)}"));
        }
        return breaches;
    }

    public static string Percent(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + " %";
    static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
