using ChangeDesk.Signals;
using ChangeDesk.Web.Charts;

namespace ChangeDesk.Releases.Pages;

/// <summary>The two charts of a tenant's rollout: the share of devices updated per ring, and each ring's install failure rate against its threshold.</summary>
public static class RolloutCharts
{
    /// <summary>The time the charts span: from the release start to now, or to the tenant's completion.</summary>
    public static (DateTimeOffset From, DateTimeOffset To)? Span(RolloutView rollout, TenantRolloutView tenant)
    {
        if (rollout.StartedAt is not { } from)
        {
            return null;
        }
        var lastPoint = tenant.Rings.SelectMany(r => r.Series).Select(p => p.At).DefaultIfEmpty(from).Max();
        var end = tenant.CompletedAt ?? rollout.CompletedAt ?? rollout.EvaluatedAt;
        var to = end > lastPoint ? end : lastPoint;
        // At least a day, so a rollout that just started does not stretch its first hour across the chart.
        return (from, to > from.AddDays(1) ? to : from.AddDays(1));
    }

    public static TimeChart Progress(RolloutView rollout, TenantRolloutView tenant, string id)
    {
        var (from, to) = Span(rollout, tenant) ?? (rollout.PlannedStart, rollout.PlannedStart.AddDays(1));
        return new TimeChart
        {
            Id = id,
            Title = $"{tenant.TenantName}: devices updated per ring",
            Description = $"Share of each ring's devices that reported a successful install of {rollout.Title}, over time",
            YLabel = "Devices updated (%)",
            From = from,
            To = to,
            YMax = 100,
            EmptyText = "No ring has started yet",
            Series = tenant.Rings.Select(r => new ChartSeries(r.Name, WithStart(r, r.Series.Where(p => p.UpdatedPercent is not null)
                .Select(p => new ChartPoint(p.At, p.UpdatedPercent!.Value))))).ToList(),
        };
    }

    public static TimeChart Failures(RolloutView rollout, TenantRolloutView tenant, string id)
    {
        var (from, to) = Span(rollout, tenant) ?? (rollout.PlannedStart, rollout.PlannedStart.AddDays(1));
        var limit = rollout.Thresholds.MaxInstallFailurePercent;
        return new TimeChart
        {
            Id = id,
            Title = $"{tenant.TenantName}: install failure rate per ring",
            Description = $"Failed installs as a share of all installs reported in each ring, against the release's threshold of {ThresholdEvaluator.Percent(limit)}; "
                + $"a rate counts once a ring has {rollout.Thresholds.MinDevices:N0} installs",
            YLabel = "Install failures (%)",
            From = from,
            To = to,
            EmptyText = "No installs reported yet",
            Series = tenant.Rings.Select(r => new ChartSeries(r.Name, r.Series.Where(p => p.InstallFailurePercent is not null)
                .Select(p => new ChartPoint(p.At, p.InstallFailurePercent!.Value)).ToList())).ToList(),
            Thresholds = [new ChartThreshold($"Threshold {ThresholdEvaluator.Percent(limit)}", limit)],
        };
    }

    /// <summary>A started ring's progress begins at zero when it starts.</summary>
    static List<ChartPoint> WithStart(RingView ring, IEnumerable<ChartPoint> points)
    {
        var list = points.ToList();
        if (ring.StartedAt is { } started && (list.Count == 0 || list[0].At > started))
        {
            list.Insert(0, new ChartPoint(started, 0));
        }
        return list;
    }
}
