using System.Text.RegularExpressions;
using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Support;

/// <summary>What a tenant admin submits to file a request. Contact fields left empty take the signed-in user's.</summary>
public sealed partial record SupportRequestInput
{
    [MaxLength(MaxTitle)] public string? Title { get; init; }

    /// <summary>Markdown.</summary>
    [MaxLength(MaxDescription)] public string? Description { get; init; }

    /// <summary>a (critical), b (high) or c (normal); the words critical, high and normal are accepted too.</summary>
    [MaxLength(InputBounds.Key)] public string? Severity { get; init; }

    public int? AffectedUsers { get; init; }
    public int? ChangeId { get; init; }
    public Guid? ReleaseId { get; init; }
    [MaxLength(InputBounds.Name)] public string? ContactName { get; init; }
    [MaxLength(InputBounds.Address)] public string? ContactEmail { get; init; }
    [MaxLength(InputBounds.Key)] public string? ContactPhone { get; init; }

    public sealed record Valid(
        string Title, string Description, SupportSeverity Severity, int AffectedUsers, int? ChangeId, Guid? ReleaseId,
        string ContactName, string ContactEmail, string? ContactPhone);

    public const int MaxTitle = 200;
    public const int MaxDescription = 50_000;
    public const int MaxAffectedUsers = 10_000_000;

    /// <summary>Checks every field and reports all problems at once, keyed by field name.</summary>
    public Valid Validate(string defaultName, string defaultEmail)
    {
        var errors = new Errors();
        var title = Title?.Trim() ?? "";
        if (title.Length == 0)
        {
            errors.Add("title", "A title is required: say in a few words what is broken.");
        }
        else if (title.Length > MaxTitle)
        {
            errors.Add("title", $"The title must be {MaxTitle} characters or fewer.");
        }
        var description = Description?.Trim() ?? "";
        if (description.Length == 0)
        {
            errors.Add("description", "Describe the problem: what happens, since when, and what you expected.");
        }
        else if (description.Length > MaxDescription)
        {
            errors.Add("description", $"The description must be {MaxDescription:N0} characters or fewer.");
        }
        if (!TryParseSeverity(Severity, out var severity))
        {
            errors.Add("severity", "Severity must be a (critical), b (high) or c (normal).");
        }
        if (AffectedUsers is null)
        {
            errors.Add("affectedUsers", "Say how many users are affected (at least 1).");
        }
        else if (AffectedUsers is < 1 or > MaxAffectedUsers)
        {
            errors.Add("affectedUsers", $"The number of affected users must be between 1 and {MaxAffectedUsers:N0}.");
        }
        if (ChangeId is <= 0)
        {
            errors.Add("changeId", "A change id is a positive number.");
        }
        var name = string.IsNullOrWhiteSpace(ContactName) ? defaultName : ContactName.Trim();
        if (name.Length is 0 or > 200)
        {
            errors.Add("contactName", "The contact name must be 1 to 200 characters.");
        }
        var email = string.IsNullOrWhiteSpace(ContactEmail) ? defaultEmail : ContactEmail.Trim().ToLowerInvariant();
        if (!IsBareEmail(email))
        {
            errors.Add("contactEmail", "Give the contact's email address, such as name@example.com.");
        }
        var phone = string.IsNullOrWhiteSpace(ContactPhone) ? null : ContactPhone.Trim();
        if (phone is not null && !Phone().IsMatch(phone))
        {
            errors.Add("contactPhone", "A phone number has 3 to 40 characters: digits, spaces and + ( ) - . /");
        }
        errors.ThrowIfAny();
        return new Valid(title, description, severity, AffectedUsers!.Value, ChangeId, ReleaseId, name, email, phone);
    }

    public static bool TryParseSeverity(string? value, out SupportSeverity severity)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "a" or "critical":
                severity = SupportSeverity.A;
                return true;
            case "b" or "high":
                severity = SupportSeverity.B;
                return true;
            case "c" or "normal":
                severity = SupportSeverity.C;
                return true;
            default:
                severity = SupportSeverity.C;
                return false;
        }
    }

    /// <summary>A bare address that parses to itself: no display name, nothing around it.</summary>
    public static bool IsBareEmail(string email) =>
        email.Length is > 0 and <= 320 && System.Net.Mail.MailAddress.TryCreate(email, out var parsed)
        && string.Equals(parsed.Address, email, StringComparison.OrdinalIgnoreCase) && parsed.DisplayName.Length == 0;

    [GeneratedRegex(@"^(?=(?:\D*\d){3})[0-9+()\-./ ]{3,40}$")]
    private static partial Regex Phone();
}
