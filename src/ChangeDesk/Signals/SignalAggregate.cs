namespace ChangeDesk.Signals;

/// <summary>
/// The running totals of one ring of one tenant's rollout of a release, updated as signal events arrive.
/// Created with the ring when the release starts.
/// </summary>
public sealed class SignalAggregate
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid RingRolloutId { get; init; }
    public Guid ReleaseId { get; init; }
    public Guid TenantId { get; init; }
    public required string Ring { get; init; }

    /// <summary>The ring's device count as last reported (a gauge: the latest report wins).</summary>
    public int Devices { get; set; }

    public DateTimeOffset? DevicesReportedAt { get; set; }
    public long InstallSuccesses { get; set; }
    public long InstallFailures { get; set; }
    public long Crashes { get; set; }
    public long Hangs { get; set; }
    public long BootFailures { get; set; }
    public DateTimeOffset? LastEventAt { get; set; }

    public long ReliabilityEvents => Crashes + Hangs + BootFailures;
}

/// <summary>What arrived for one ring within one hour: the history a chart draws.</summary>
public sealed class SignalBucket
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid RingRolloutId { get; init; }
    public Guid ReleaseId { get; init; }
    public Guid TenantId { get; init; }
    public DateTimeOffset BucketStart { get; init; }

    /// <summary>The latest device count reported within the hour; null when none was.</summary>
    public int? Devices { get; set; }

    public DateTimeOffset? DevicesReportedAt { get; set; }
    public long InstallSuccesses { get; set; }
    public long InstallFailures { get; set; }
    public long Crashes { get; set; }
    public long Hangs { get; set; }
    public long BootFailures { get; set; }

    public static readonly TimeSpan Size = TimeSpan.FromHours(1);

    public static DateTimeOffset StartOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % Size.Ticks, TimeSpan.Zero);
    }
}

/// <summary>An event id already counted, so a sender that retries a batch does not count it twice.</summary>
public sealed class SignalReceipt
{
    public required string EventId { get; init; }
    public Guid ReleaseId { get; init; }
    public Guid TenantId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
}
