using System.Text.Json;

namespace ChangeDesk.Web;

/// <summary>Enum values as the API spells them: kebab-case ("in-progress", "m365-client").</summary>
public static class EnumNames
{
    public static string Of<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Of(candidate), name?.Trim(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(candidate.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static string List<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(Of));
}
