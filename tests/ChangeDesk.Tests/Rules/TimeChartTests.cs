using System.Globalization;
using System.Xml.Linq;
using ChangeDesk.Web.Charts;

namespace ChangeDesk.Tests.Rules;

public sealed class TimeChartTests
{
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    static readonly DateTimeOffset From = new(2026, 3, 10, 10, 0, 0, TimeSpan.Zero);

    static TimeChart Chart(IReadOnlyList<ChartSeries> series, IReadOnlyList<ChartThreshold>? thresholds = null, double? yMax = null) => new()
    {
        Id = "chart-1",
        Title = "Fabrikam: install failure rate",
        Description = "Failed installs as a share of installs, per ring",
        YLabel = "Install failures (%)",
        From = From,
        To = From.AddDays(4),
        YMax = yMax,
        Series = series,
        Thresholds = thresholds ?? [],
    };

    static XElement Parse(TimeChart chart) => XElement.Parse(chart.ToSvg());

    [Fact]
    public void TheChartIsAnImageNamedByItsTitleAndDescription()
    {
        var svg = Parse(Chart([new("Test", [new(From.AddHours(5), 1.5), new(From.AddDays(1), 2.4)])], [new("Threshold", 5)]));

        Assert.Equal("img", (string?)svg.Attribute("role"));
        var ids = ((string)svg.Attribute("aria-labelledby")!).Split(' ');
        Assert.Equal("Fabrikam: install failure rate", svg.Descendants(Svg + "title").Single(t => (string?)t.Attribute("id") == ids[0]).Value);
        var desc = svg.Descendants(Svg + "desc").Single(d => (string?)d.Attribute("id") == ids[1]).Value;
        Assert.Contains("Test: 2.4 % at 2026-03-11 10:00 UTC", desc);
        Assert.Contains("Threshold: 5 %", desc);
    }

    [Fact]
    public void BothAxesAndEveryLineAreLabelled()
    {
        var svg = Parse(Chart([new("Test", [new(From, 0), new(From.AddHours(2), 1)]), new("First", [])], [new("Limit 5 %", 5)]));

        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("Install failures (%)", texts);
        Assert.Contains("Time (UTC)", texts);
        Assert.Contains("Test", texts);
        Assert.Contains("First", texts);
        Assert.Contains("Limit 5 %", texts);
        Assert.Contains("Mar 11", texts);
    }

    [Fact]
    public void ThresholdLineSitsAtItsValueOnTheAxis()
    {
        var chart = Chart([new("Test", [new(From, 1), new(From.AddHours(1), 2)])], [new("Threshold", 5)], yMax: 10);
        var line = Parse(chart).Descendants(Svg + "line").Single(l => (string?)l.Attribute("class") == "threshold");

        var y = double.Parse((string)line.Attribute("y1")!, CultureInfo.InvariantCulture);
        Assert.Equal(chart.YOf(5), y, 1);
        Assert.Equal((chart.YOf(0) + chart.YOf(10)) / 2, y, 1);
    }

    [Fact]
    public void ValueAxisFitsTheDataAndLeavesRoomAboveTheThreshold()
    {
        Assert.Equal(10, Chart([new("Test", [new(From, 2)])], [new("Threshold", 5)]).AxisTop);
        Assert.Equal(25, Chart([new("Test", [new(From, 21)])], [new("Threshold", 5)]).AxisTop);
        Assert.Equal(100, Chart([new("Test", [new(From, 21)])], yMax: 100).AxisTop);
        Assert.Equal(1, TimeChart.NiceCeiling(0));
        Assert.Equal(2.5, TimeChart.NiceCeiling(2.1));
        Assert.Equal(500, TimeChart.NiceCeiling(420));
    }

    [Fact]
    public void LinesFollowTheirPointsInTimeOrder()
    {
        var chart = Chart([new("Test", [new(From, 0), new(From.AddDays(2), 50), new(From.AddDays(4), 100)])], yMax: 100);
        var points = (string)Parse(chart).Descendants(Svg + "polyline").Single().Attribute("points")!;

        var xy = points.Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(3, xy.Count);
        Assert.Equal(chart.XOf(From), xy[0][0], 1);
        Assert.Equal(chart.XOf(From.AddDays(2)), xy[1][0], 1);
        Assert.Equal(chart.YOf(50), xy[1][1], 1);
        Assert.True(xy[2][1] < xy[1][1] && xy[1][1] < xy[0][1], "a rising value is drawn higher up");
    }

    [Fact]
    public void LinesDifferByDashAsWellAsColour()
    {
        var svg = Parse(Chart([new("Test", [new(From, 0), new(From.AddHours(1), 1)]), new("First", [new(From, 0), new(From.AddHours(1), 2)])]));

        var lines = svg.Descendants(Svg + "polyline").ToList();
        Assert.NotEqual((string?)lines[0].Attribute("stroke"), (string?)lines[1].Attribute("stroke"));
        Assert.NotEqual((string?)lines[0].Attribute("stroke-dasharray"), (string?)lines[1].Attribute("stroke-dasharray"));
    }

    [Fact]
    public void AChartWithoutDataSaysSo()
    {
        var svg = Parse(Chart([new("Test", [])]));

        Assert.Empty(svg.Descendants(Svg + "polyline"));
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "No data yet");
        Assert.Contains("Test: no data yet.", svg.Descendants(Svg + "desc").Single().Value);
    }

    [Fact]
    public void TextIsEscaped()
    {
        var chart = Chart([new("<Ring & \"Co\">", [new(From, 1)])]);

        var svg = Parse(chart);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "<Ring & \"Co\">");
        Assert.DoesNotContain("<Ring", chart.ToSvg());
    }

    [Fact]
    public void TimeTicksFallOnWholeDaysWithinTheRange()
    {
        var ticks = TimeChart.TimeTicks(From, From.AddDays(4), TimeSpan.FromDays(1)).ToList();

        Assert.Equal([From.Date.AddDays(1), From.Date.AddDays(2), From.Date.AddDays(3), From.Date.AddDays(4)], ticks.Select(t => t.UtcDateTime));
    }
}
