using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;
namespace ChangeDesk.Releases;

/// <summary>A ring as a tenant defines it: its size (a device count, or a share) and its timing.</summary>
public sealed record RingDefinition([property: MaxLength(InputBounds.Name)] string Name, int? Devices, double? SharePercent, int DeferralDays, int SoakDays);

/// <summary>
/// The rings a tenant's devices sit in. The default follows quality-update practice: a fixed Test ring, then
/// First, Fast and Broad with 1 %, 9 % and 90 % of the other devices, starting 0, 1, 6 and 9 days after the
/// release; each ring soaks until the next one's deferral, and Broad soaks three days before the rollout completes.
/// </summary>
public static class RingPlan
{
    public const int MaxRings = 8;
    public const int MaxDays = 90;

    public static IReadOnlyList<RingDefinition> Defaults { get; } =
    [
        new("Test", 20, null, 0, 1),
        new("First", null, 1, 1, 5),
        new("Fast", null, 9, 6, 3),
        new("Broad", null, 90, 9, 3),
    ];

    /// <summary>Field → messages (e.g. "rings[2].soakDays"); empty when the plan is valid.</summary>
    public static Dictionary<string, string[]> Validate(IReadOnlyList<RingDefinition>? rings)
    {
        var errors = new Dictionary<string, string[]>();
        if (rings is null || rings.Count == 0 || rings.Count > MaxRings)
        {
            errors["rings"] = [$"Give 1 to {MaxRings} rings, in the order they roll out."];
            return errors;
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rings.Count; i++)
        {
            var r = rings[i];
            var at = $"rings[{i}]";
            if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Trim().Length > 50)
            {
                errors[$"{at}.name"] = ["A ring needs a name of 1 to 50 characters."];
            }
            else if (!names.Add(r.Name.Trim()))
            {
                errors[$"{at}.name"] = [$"'{r.Name.Trim()}' is used by an earlier ring: ring names are unique."];
            }
            if ((r.Devices is null) == (r.SharePercent is null))
            {
                errors[$"{at}.devices"] = ["Size a ring by a device count or by a share, exactly one of the two."];
            }
            else if (r.Devices is { } d && d is < 1 or > 10_000_000)
            {
                errors[$"{at}.devices"] = ["A device count is between 1 and 10,000,000."];
            }
            else if (r.SharePercent is { } s && (s <= 0 || s > 100 || double.IsNaN(s)))
            {
                errors[$"{at}.sharePercent"] = ["A share is a percent above 0 and at most 100."];
            }
            if (r.DeferralDays is < 0 or > MaxDays)
            {
                errors[$"{at}.deferralDays"] = [$"Deferral is 0 to {MaxDays} days after the release starts."];
            }
            if (r.SoakDays is < 0 or > MaxDays)
            {
                errors[$"{at}.soakDays"] = [$"Soak is 0 to {MaxDays} days."];
            }
        }
        var shares = rings.Where(r => r.SharePercent is not null).Sum(r => r.SharePercent!.Value);
        if (errors.Count == 0 && rings.Any(r => r.SharePercent is not null) && Math.Abs(shares - 100) > 0.001)
        {
            errors["rings"] = [$"The shares add up to {shares:0.###} %: rings sized by share divide the devices outside fixed-size rings, so they add up to 100 %."];
        }
        return errors;
    }
}
