using ChangeDesk.Support;
using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Applications;

/// <summary>An application as a tenant admin enters it, on the API, the page or a row of a CSV import.</summary>
public sealed record ApplicationInput
{
    public const int MaxName = 200;
    public const int MaxUsers = 10_000_000;

    [MaxLength(MaxName)] public string? Name { get; init; }
    [MaxLength(InputBounds.Name)] public string? Vendor { get; init; }
    [MaxLength(InputBounds.Key)] public string? Version { get; init; }
    [MaxLength(InputBounds.Name)] public string? Owner { get; init; }

    /// <summary>The email address of the person who tests it.</summary>
    [MaxLength(InputBounds.Address)] public string? TestContact { get; init; }

    /// <summary>business-critical, important or other (the default).</summary>
    [MaxLength(InputBounds.Key)] public string? Criticality { get; init; }

    /// <summary>remote-access, line-of-business, browser-extension, office-add-in, driver or other (the default).</summary>
    [MaxLength(InputBounds.Key)] public string? Kind { get; init; }

    /// <summary>The services it depends on, by the names changes use: Windows, Microsoft 365 Apps, Edge, …</summary>
    [MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Key)] public List<string>? Services { get; init; }

    public int? Users { get; init; }

    public sealed record Valid(
        string Name, string? Vendor, string? Version, string? Owner, string? TestContact, Criticality Criticality, ApplicationKind Kind,
        List<string> Services, int? Users);

    /// <summary>Checks every field; each problem is reported through <paramref name="error"/> with the field's name.</summary>
    public Valid? Check(Action<string, string> error)
    {
        var ok = true;
        void Fail(string field, string message)
        {
            ok = false;
            error(field, message);
        }
        var name = Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxName)
        {
            Fail("name", $"An application has a name of 1 to {MaxName} characters.");
        }
        string? Optional(string? value, string field, int max)
        {
            var trimmed = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
            if (trimmed?.Length > max)
            {
                Fail(field, $"{field} is {max} characters at most.");
            }
            return trimmed;
        }
        var vendor = Optional(Vendor, "vendor", InputBounds.Name);
        var version = Optional(Version, "version", InputBounds.Key);
        var owner = Optional(Owner, "owner", InputBounds.Name);
        var contact = Optional(TestContact, "testContact", InputBounds.Address)?.ToLowerInvariant();
        if (contact is not null && !SupportRequestInput.IsBareEmail(contact))
        {
            Fail("testContact", "The test contact is an email address, such as tester@example.com.");
        }
        var criticality = Applications.Criticality.Other;
        if (!string.IsNullOrWhiteSpace(Criticality) && !EnumNames.TryParse(Criticality, out criticality))
        {
            Fail("criticality", $"Criticality is one of {EnumNames.List<Criticality>()}.");
        }
        var kind = ApplicationKind.Other;
        if (!string.IsNullOrWhiteSpace(Kind) && !EnumNames.TryParse(Kind, out kind))
        {
            Fail("kind", $"Kind is one of {EnumNames.List<ApplicationKind>()}.");
        }
        var services = (Services ?? []).Where(s => s is not null).Select(s => s.Trim()).Where(s => s.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (services.Count > InputBounds.ListItems || services.Any(s => s.Length > InputBounds.Key))
        {
            Fail("services", $"At most {InputBounds.ListItems} services of {InputBounds.Key} characters each.");
        }
        if (Users is < 0 or > MaxUsers)
        {
            Fail("users", $"The number of users is between 0 and {MaxUsers:N0}.");
        }
        return ok ? new Valid(name, vendor, version, owner, contact, criticality, kind, services, Users) : null;
    }

    /// <summary>Checks every field and throws one problem naming each that is wrong.</summary>
    public Valid Validate()
    {
        var errors = new Errors();
        var valid = Check(errors.Add);
        errors.ThrowIfAny();
        return valid!;
    }
}
