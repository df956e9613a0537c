using System.Globalization;

namespace ChangeDesk.Web;

/// <summary>How pages show values: UTC instants, enum names, labels.</summary>
public static class Display
{
    public static string When(DateTimeOffset? at) => at is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "—";

    public static string Name<T>(T value) where T : struct, Enum => EnumNames.Of(value);

    public static string Label<T>(T value) where T : struct, Enum
    {
        var words = EnumNames.Of(value).Replace('-', ' ');
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    /// <summary>The value of a datetime-local input for an instant, in UTC.</summary>
    public static string Input(DateTimeOffset? at) => at is { } v ? v.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture) : "";
}
