using System.Globalization;
using System.Text;

namespace ChangeDesk.Bench;

/// <summary>A Markdown section of the results file, written by one scenario.</summary>
public sealed class Report
{
    readonly StringBuilder text = new();

    public Report Heading(string title)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"### {title}").AppendLine();
        return this;
    }

    public Report Line(string line = "")
    {
        text.AppendLine(line);
        return this;
    }

    public Report Table(string[] headers, IEnumerable<string[]> rows)
    {
        text.AppendLine("| " + string.Join(" | ", headers) + " |");
        text.AppendLine("|" + string.Concat(headers.Select((_, i) => i == 0 ? "---|" : "---:|")));
        foreach (var row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }
        text.AppendLine();
        return this;
    }

    public async Task SaveAsync(string? path)
    {
        var content = text.ToString();
        Console.WriteLine(content);
        if (path is not null)
        {
            await File.WriteAllTextAsync(path, content);
        }
    }

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Seconds(TimeSpan t) => t.TotalSeconds >= 10 ? t.TotalSeconds.ToString("0.0", Inv) + " s"
        : t.TotalSeconds >= 1 ? t.TotalSeconds.ToString("0.00", Inv) + " s"
        : t.TotalMilliseconds.ToString("0", Inv) + " ms";

    public static string Ms(double ms) => ms >= 100 ? ms.ToString("0", Inv) + " ms" : ms.ToString("0.0", Inv) + " ms";
    public static string N(double n) => n.ToString("#,0", Inv);
    public static string Rate(double perSecond) => perSecond.ToString("#,0", Inv) + "/s";
    public static string Percent(double ratio) => (ratio * 100).ToString(ratio < 0.1 ? "0.0" : "0", Inv) + " %";
    public static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", Inv) + " MB";
    public static string Met(bool ok) => ok ? "met" : "**missed**";

    public static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }
}
