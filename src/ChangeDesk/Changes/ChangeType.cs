using ChangeDesk.Audit;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Changes;

public enum Frequency
{
    Never,
    Rarely,
    Sometimes,
    Always,
}

public sealed record ChangeSubtype(string Key, string Name);

/// <summary>A column of the seed's "Change types" table, with the defaults a provider admin may adjust.</summary>
public sealed class ChangeType : IAudited
{
    public required string Key { get; init; }
    public required string Name { get; set; }
    public int NoticeDays { get; set; }
    public required string AdvanceNotice { get; set; }
    public List<string> Channels { get; set; } = [];
    public Frequency AdminActionRequired { get; set; }
    public required string TypeOfAction { get; set; }
    public Frequency TestingRequired { get; set; }
    public required string TestingGuidance { get; set; }
    public required string Examples { get; set; }

    public IReadOnlyList<ChangeSubtype> Subtypes => ChangeTypeCatalog.SubtypesOf(Key);

    /// <summary>The matrix row that decides who may deliver and announce a change of this type.</summary>
    public Activity DeliveringActivity => ChangeTypeCatalog.DeliveringActivityOf(Key);

    Guid? IAudited.AuditTenantId => null;
    int? IAudited.AuditChangeId => null;
}

public static class ChangeTypeCatalog
{
    public const string Functionality = "functionality";
    public const string NonSecurity = "non-security";
    public const string Security = "security";

    public static IReadOnlyList<string> Keys { get; } = [Functionality, NonSecurity, Security];

    public static IReadOnlyList<ChangeSubtype> SubtypesOf(string key) => key switch
    {
        Functionality => [new("feature-update", "Feature update"), new("new-feature", "New feature or application"), new("deprecated-feature", "Deprecated feature")],
        NonSecurity => [new("client-hotfix", "Client hotfix")],
        Security => [new("security-update", "Security update")],
        _ => [],
    };

    public static Activity DeliveringActivityOf(string key) => key switch
    {
        Security => Activity.ApplySecurityUpdates,
        NonSecurity => Activity.MaintainSystemSoftware,
        _ => Activity.ProvideNewFunctionality,
    };

    /// <summary>The seed's "Change types" table.</summary>
    public static IReadOnlyList<ChangeType> Defaults() =>
    [
        new()
        {
            Key = Functionality,
            Name = "Functionality",
            NoticeDays = 5,
            AdvanceNotice = "Five days notice for changes that require action",
            Channels = ["Message Center", "Email alert"],
            AdminActionRequired = Frequency.Sometimes,
            TypeOfAction = "Change settings",
            TestingRequired = Frequency.Always,
            TestingGuidance = "Check business applications including remote access services",
            Examples = "Feature updates: IT Admin Portal simplified support ticket submission and review. New features or applications: semi-annual release of a Windows feature update.",
        },
        new()
        {
            Key = NonSecurity,
            Name = "Non-security updates",
            NoticeDays = 5,
            AdvanceNotice = "No changes that require action are included in the monthly release",
            Channels = ["Message Center", "Email alert"],
            AdminActionRequired = Frequency.Rarely,
            TypeOfAction = "Communicate changes to users",
            TestingRequired = Frequency.Sometimes,
            TestingGuidance = "Testing the fix against processes or customizations",
            Examples = "Hotfixes based on customer reported bugs",
        },
        new()
        {
            Key = Security,
            Name = "Security",
            NoticeDays = 5,
            AdvanceNotice = "No changes that require action are included in the monthly release",
            Channels = ["Message Center", "Email alert"],
            AdminActionRequired = Frequency.Rarely,
            TypeOfAction = "Change admin settings",
            TestingRequired = Frequency.Rarely,
            TestingGuidance = "Rarely needed",
            Examples = "Monthly security updates",
        },
    ];
}
