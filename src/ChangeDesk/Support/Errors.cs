using ChangeDesk.Web;

namespace ChangeDesk.Support;

/// <summary>Validation messages collected field by field, thrown together as one problem.</summary>
sealed class Errors
{
    readonly Dictionary<string, List<string>> byField = [];

    public void Add(string field, string message)
    {
        if (!byField.TryGetValue(field, out var list))
        {
            byField[field] = list = [];
        }
        list.Add(message);
    }

    public bool Any => byField.Count > 0;

    public void ThrowIfAny()
    {
        if (byField.Count > 0)
        {
            throw new ValidationFailedException(byField.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
