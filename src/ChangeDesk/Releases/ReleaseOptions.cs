using ChangeDesk.Signals;

namespace ChangeDesk.Releases;

public sealed class ThresholdOptions
{
    public double MaxInstallFailurePercent { get; set; } = SignalThresholds.Default.MaxInstallFailurePercent;
    public double MaxReliabilityEventsPer1000 { get; set; } = SignalThresholds.Default.MaxReliabilityEventsPer1000;
    public double MaxSupportRequestsPer1000 { get; set; } = SignalThresholds.Default.MaxSupportRequestsPer1000;
    public int MinDevices { get; set; } = SignalThresholds.Default.MinDevices;
}

public sealed class ReleaseOptions
{
    public const string Section = "Releases";

    /// <summary>Local time of day at which calendar releases start.</summary>
    public TimeOnly Time { get; set; } = new(10, 0);

    /// <summary>IANA (or Windows) time zone of <see cref="Time"/>.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Also generate the non-security preview release on the fourth Tuesday.</summary>
    public bool Preview { get; set; }

    /// <summary>The schedule of a calendar release is posted at least this many days before it starts.</summary>
    public int ScheduleNoticeDays { get; set; } = 7;

    public ThresholdOptions Thresholds { get; set; } = new();

    /// <summary>How often the rollout job applies the engine (it also wakes when signals arrive or a person acts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an instance holds a release while it applies the engine.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A breach in at least this many tenants of a release pauses it service-wide.</summary>
    public int ServiceWideBreachTenants { get; set; } = 2;

    /// <summary>Or a breach in at least this share (0–1) of its tenants, counting from two tenants.</summary>
    public double ServiceWideBreachShare { get; set; } = 0.5;

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public ReleaseCalendar Calendar => new(Time, Zone);

    public SignalThresholds DefaultThresholds =>
        new(Thresholds.MaxInstallFailurePercent, Thresholds.MaxReliabilityEventsPer1000, Thresholds.MaxSupportRequestsPer1000, Thresholds.MinDevices);

    public SignalThresholds ThresholdsFor(Release release) => new(
        release.MaxInstallFailurePercent ?? Thresholds.MaxInstallFailurePercent,
        release.MaxReliabilityEventsPer1000 ?? Thresholds.MaxReliabilityEventsPer1000,
        release.MaxSupportRequestsPer1000 ?? Thresholds.MaxSupportRequestsPer1000,
        release.MinDevices ?? Thresholds.MinDevices);

    /// <summary>Whether breaches in <paramref name="breaching"/> of <paramref name="total"/> tenants call for a service-wide pause.</summary>
    public bool IsServiceWide(int breaching, int total) =>
        breaching >= Math.Max(1, ServiceWideBreachTenants) || (breaching >= 2 && total > 0 && (double)breaching / total >= ServiceWideBreachShare);
}
