using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace ChangeDesk.Web.Charts;

public sealed record ChartPoint(DateTimeOffset At, double Value);

/// <summary>One line of a chart; points in time order.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points);

/// <summary>A horizontal limit drawn across the plot, e.g. a signal threshold.</summary>
public sealed record ChartThreshold(string Name, double Value);

/// <summary>
/// A line chart over time, drawn on the server as inline SVG: no script, no library, readable by screen readers
/// (role="img" with a title and a description that states the latest values), with labelled axes and a legend.
/// Lines differ by colour and dash pattern, so they stay apart without colour vision; thresholds are dashed red.
/// </summary>
public sealed class TimeChart
{
    public const int Width = 560;
    const int PlotHeight = 170;
    const int Left = 52, Right = 16, Top = 14;
    const int AxisBand = 44;
    const int LegendRow = 20;
    const int LegendItemWidth = 128;

    static readonly string[] Palette = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000", "#8c564b"];
    static readonly string?[] Dashes = [null, "7 3", "2 3", "9 3 2 3"];
    const string ThresholdColour = "#b42318";

    /// <summary>A prefix for element ids, unique on the page.</summary>
    public required string Id { get; init; }

    public required string Title { get; init; }

    /// <summary>What the chart shows; the latest value of each line and each threshold are added to it.</summary>
    public required string Description { get; init; }

    public string XLabel { get; init; } = "Time (UTC)";
    public required string YLabel { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }

    /// <summary>A fixed top of the value axis (100 for a share); otherwise it fits the values and thresholds.</summary>
    public double? YMax { get; init; }

    public string Unit { get; init; } = " %";
    public IReadOnlyList<ChartSeries> Series { get; init; } = [];
    public IReadOnlyList<ChartThreshold> Thresholds { get; init; } = [];

    /// <summary>Shown inside the plot when no line has a point.</summary>
    public string EmptyText { get; init; } = "No data yet";

    public static string ColourOf(int index) => Palette[index % Palette.Length];

    public static string? DashOf(int index) => Dashes[index % Dashes.Length];

    static int PlotWidth => Width - Left - Right;

    static int LegendItemsPerRow => Math.Max(1, (Width - Left) / LegendItemWidth);

    int LegendRows => (Series.Count + Thresholds.Count + LegendItemsPerRow - 1) / LegendItemsPerRow;

    public int Height => Top + PlotHeight + AxisBand + LegendRows * LegendRow + 6;

    /// <summary>The top of the value axis: the fixed maximum, or a round number above every value and threshold.</summary>
    public double AxisTop => YMax ?? NiceCeiling(Math.Max(
        Series.SelectMany(s => s.Points).Select(p => p.Value).DefaultIfEmpty(0).Max(),
        Thresholds.Select(t => t.Value * 1.5).DefaultIfEmpty(0).Max()));

    public double XOf(DateTimeOffset at)
    {
        var span = (To - From).Ticks;
        var share = span <= 0 ? 0 : (double)(at - From).Ticks / span;
        return Left + Math.Clamp(share, 0, 1) * PlotWidth;
    }

    public double YOf(double value)
    {
        var top = AxisTop;
        var share = top <= 0 ? 0 : value / top;
        return Top + PlotHeight - Math.Clamp(share, 0, 1) * PlotHeight;
    }

    public IHtmlContent Render() => new HtmlString(ToSvg());

    public string ToSvg()
    {
        var svg = new StringBuilder();
        var titleId = $"{Id}-title";
        var descId = $"{Id}-desc";
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{E(Id)}\" role=\"img\" aria-labelledby=\"{E(titleId)} {E(descId)}\" ")
            .Append(CultureInfo.InvariantCulture, $"viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" font-family=\"system-ui, sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{E(titleId)}\">{E(Title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<desc id=\"{E(descId)}\">{E(FullDescription())}</desc>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" fill=\"#ffffff\" stroke=\"#d0d7de\"/>");
        AppendValueAxis(svg);
        AppendTimeAxis(svg);
        var drawn = false;
        for (var i = 0; i < Series.Count; i++)
        {
            drawn |= AppendSeries(svg, Series[i], i);
        }
        foreach (var t in Thresholds)
        {
            var y = N(YOf(t.Value));
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"threshold\" x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{ThresholdColour}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\">")
                .Append(CultureInfo.InvariantCulture, $"<title>{E(t.Name)}: {E(Value(t.Value))}</title></line>");
        }
        if (!drawn)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Left + PlotWidth / 2.0)}\" y=\"{N(Top + PlotHeight / 2.0)}\" text-anchor=\"middle\" fill=\"#57606a\" font-size=\"13\">{E(EmptyText)}</text>");
        }
        AppendLegend(svg);
        svg.Append("</svg>");
        return svg.ToString();
    }

    string FullDescription()
    {
        var parts = new List<string> { Description.TrimEnd('.') + "." };
        foreach (var s in Series)
        {
            parts.Add(s.Points.Count == 0 ? $"{s.Name}: no data yet." : $"{s.Name}: {Value(s.Points[^1].Value)} at {Display.When(s.Points[^1].At)}.");
        }
        foreach (var t in Thresholds)
        {
            parts.Add($"{t.Name}: {Value(t.Value)}.");
        }
        return string.Join(" ", parts);
    }

    void AppendValueAxis(StringBuilder svg)
    {
        var top = AxisTop;
        const int steps = 4;
        for (var i = 0; i <= steps; i++)
        {
            var value = top * i / steps;
            var y = N(YOf(value));
            if (i > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#eaeef2\"/>");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y}\" dy=\"0.32em\" text-anchor=\"end\" fill=\"#57606a\">{E(Tick(value))}</text>");
        }
        var middle = N(Top + PlotHeight / 2.0);
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-label\" transform=\"translate(12 {middle}) rotate(-90)\" text-anchor=\"middle\" fill=\"#1b1f24\">{E(YLabel)}</text>");
    }

    void AppendTimeAxis(StringBuilder svg)
    {
        var bottom = Top + PlotHeight;
        var (step, format) = TimeStep(To - From);
        foreach (var at in TimeTicks(From, To, step))
        {
            var x = N(XOf(at));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" x2=\"{x}\" y1=\"{bottom}\" y2=\"{bottom + 4}\" stroke=\"#57606a\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{bottom + 16}\" text-anchor=\"middle\" fill=\"#57606a\">{E(at.UtcDateTime.ToString(format, CultureInfo.InvariantCulture))}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis-label\" x=\"{N(Left + PlotWidth / 2.0)}\" y=\"{bottom + 34}\" text-anchor=\"middle\" fill=\"#1b1f24\">{E(XLabel)}</text>");
    }

    bool AppendSeries(StringBuilder svg, ChartSeries series, int index)
    {
        var points = series.Points.Where(p => p.At >= From && p.At <= To && double.IsFinite(p.Value)).ToList();
        if (points.Count == 0)
        {
            return false;
        }
        var colour = ColourOf(index);
        var dash = DashOf(index) is { } d ? $" stroke-dasharray=\"{d}\"" : "";
        svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-series=\"{E(series.Name)}\"><title>{E(series.Name)}</title>");
        if (points.Count > 1)
        {
            var path = string.Join(" ", points.Select(p => $"{N(XOf(p.At))},{N(YOf(p.Value))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-linejoin=\"round\"{dash}/>");
        }
        var last = points[^1];
        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(XOf(last.At))}\" cy=\"{N(YOf(last.Value))}\" r=\"3\" fill=\"{colour}\"><title>{E(series.Name)}: {E(Value(last.Value))} at {E(Display.When(last.At))}</title></circle>");
        svg.Append("</g>");
        return true;
    }

    void AppendLegend(StringBuilder svg)
    {
        var y0 = Top + PlotHeight + AxisBand;
        var items = Series.Select((s, i) => (s.Name, Colour: ColourOf(i), Dash: DashOf(i), Width: 2.0))
            .Concat(Thresholds.Select(t => (t.Name, Colour: ThresholdColour, Dash: (string?)"5 4", Width: 1.5)))
            .ToList();
        svg.Append("<g class=\"legend\" aria-hidden=\"true\">");
        for (var i = 0; i < items.Count; i++)
        {
            var x = Left + i % LegendItemsPerRow * LegendItemWidth;
            var y = y0 + i / LegendItemsPerRow * LegendRow + 8;
            var (name, colour, dash, width) = items[i];
            var dashes = dash is null ? "" : $" stroke-dasharray=\"{dash}\"";
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" x2=\"{x + 22}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"{N(width + 0.5)}\"{dashes}/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 28}\" y=\"{y}\" dy=\"0.32em\" fill=\"#1b1f24\">{E(Shorten(name, 18))}</text>");
        }
        svg.Append("</g>");
    }

    static readonly (TimeSpan Step, string Format)[] Steps =
    [
        (TimeSpan.FromHours(1), "HH:mm"), (TimeSpan.FromHours(3), "MMM d HH:mm"), (TimeSpan.FromHours(6), "MMM d HH:mm"),
        (TimeSpan.FromHours(12), "MMM d HH:mm"), (TimeSpan.FromDays(1), "MMM d"), (TimeSpan.FromDays(2), "MMM d"),
        (TimeSpan.FromDays(7), "MMM d"), (TimeSpan.FromDays(14), "MMM d"), (TimeSpan.FromDays(28), "MMM d"), (TimeSpan.FromDays(91), "MMM yyyy"),
    ];

    /// <summary>The smallest step that puts at most six ticks on the axis, with a label format that fits it.</summary>
    static (TimeSpan Step, string Format) TimeStep(TimeSpan span)
    {
        foreach (var candidate in Steps)
        {
            if (span.Ticks / candidate.Step.Ticks <= 6)
            {
                return candidate;
            }
        }
        return (TimeSpan.FromDays(Math.Ceiling(span.TotalDays / 6)), "MMM yyyy");
    }

    /// <summary>Ticks on whole steps of UTC time (midnights for steps of days) within [from, to].</summary>
    public static IEnumerable<DateTimeOffset> TimeTicks(DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        if (to <= from || step <= TimeSpan.Zero)
        {
            yield break;
        }
        var first = new DateTimeOffset(from.UtcTicks - from.UtcTicks % step.Ticks, TimeSpan.Zero);
        if (step >= TimeSpan.FromDays(1))
        {
            first = new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero);
        }
        if (first < from)
        {
            first += step;
        }
        for (var at = first; at <= to; at += step)
        {
            yield return at;
        }
    }

    /// <summary>1, 2, 2.5 or 5 times a power of ten, at or above the value (and at least 1).</summary>
    public static double NiceCeiling(double value)
    {
        if (!double.IsFinite(value) || value <= 1)
        {
            return 1;
        }
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var m in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (m * power >= value - 1e-9)
            {
                return m * power;
            }
        }
        return 10 * power;
    }

    string Tick(double value) => value.ToString(value % 1 == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + (Unit == " %" ? "%" : "");

    string Value(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + Unit;

    static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    static string E(string text) => WebUtility.HtmlEncode(text);
}
