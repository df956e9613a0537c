using ChangeDesk.Support;
using ChangeDesk.Web;

namespace ChangeDesk.Tests.Rules;

public sealed class SupportRequestInputTests
{
    static readonly SupportRequestInput Complete = new()
    {
        Title = "  Outlook search finds nothing  ",
        Description = "Since the hotfix no results.",
        Severity = "b",
        AffectedUsers = 12,
    };

    static Dictionary<string, string[]> ErrorsOf(SupportRequestInput input) =>
        Assert.Throws<ValidationFailedException>(() => input.Validate("Fran Admin", "fran@fabrikam.example")).Errors;

    [Fact]
    public void AValidRequestIsTrimmedAndTakesTheContactFromTheUser()
    {
        var valid = Complete.Validate("Fran Admin", "fran@fabrikam.example");

        Assert.Equal("Outlook search finds nothing", valid.Title);
        Assert.Equal(SupportSeverity.B, valid.Severity);
        Assert.Equal(("Fran Admin", "fran@fabrikam.example", (string?)null), (valid.ContactName, valid.ContactEmail, valid.ContactPhone));
    }

    [Fact]
    public void AGivenContactReplacesTheDefault()
    {
        var valid = (Complete with { ContactName = "Help desk", ContactEmail = "HelpDesk@Fabrikam.example", ContactPhone = "+49 (30) 555-0100" })
            .Validate("Fran Admin", "fran@fabrikam.example");

        Assert.Equal(("Help desk", "helpdesk@fabrikam.example", "+49 (30) 555-0100"), (valid.ContactName, valid.ContactEmail, valid.ContactPhone));
    }

    [Theory]
    [InlineData("a", SupportSeverity.A)]
    [InlineData("A", SupportSeverity.A)]
    [InlineData("critical", SupportSeverity.A)]
    [InlineData("high", SupportSeverity.B)]
    [InlineData(" c ", SupportSeverity.C)]
    [InlineData("normal", SupportSeverity.C)]
    public void SeverityIsALetterOrItsWord(string given, SupportSeverity expected)
    {
        Assert.Equal(expected, (Complete with { Severity = given }).Validate("n", "n@example.com").Severity);
    }

    [Fact]
    public void EveryMissingFieldIsNamedAtOnce()
    {
        var errors = ErrorsOf(new SupportRequestInput());

        Assert.Equal(["affectedUsers", "description", "severity", "title"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("severity", "d")]
    [InlineData("severity", "urgent")]
    [InlineData("affectedUsers", 0)]
    [InlineData("affectedUsers", -5)]
    [InlineData("affectedUsers", 10_000_001)]
    [InlineData("changeId", 0)]
    [InlineData("contactEmail", "Fran <fran@fabrikam.example>")]
    [InlineData("contactEmail", "not an address")]
    [InlineData("contactPhone", "call me")]
    [InlineData("contactPhone", "12")]
    [InlineData("title", "")]
    public void AnInvalidFieldIsNamed(string field, object value)
    {
        var input = field switch
        {
            "severity" => Complete with { Severity = (string)value },
            "affectedUsers" => Complete with { AffectedUsers = (int)value },
            "changeId" => Complete with { ChangeId = (int)value },
            "contactEmail" => Complete with { ContactEmail = (string)value },
            "contactPhone" => Complete with { ContactPhone = (string)value },
            _ => Complete with { Title = (string)value },
        };

        Assert.Equal([field], ErrorsOf(input).Keys);
    }

    [Fact]
    public void OverlongTextIsRefused()
    {
        Assert.Equal(["title"], ErrorsOf(Complete with { Title = new string('t', 201) }).Keys);
        Assert.Equal(["description"], ErrorsOf(Complete with { Description = new string('d', 50_001) }).Keys);
    }

    [Theory]
    [InlineData("SR-1001", 1001)]
    [InlineData("sr-1001", 1001)]
    [InlineData("1001", 1001)]
    public void ARequestIsFoundByItsNumber(string reference, int number)
    {
        Assert.True(SupportRequest.TryParseNumber(reference, out var parsed));
        Assert.Equal(number, parsed);
    }

    [Theory]
    [InlineData("SR-")]
    [InlineData("SR-0")]
    [InlineData("SR--5")]
    [InlineData("CHG-1001")]
    [InlineData("SR-1e3")]
    public void AnythingElseIsNotARequestNumber(string reference)
    {
        Assert.False(SupportRequest.TryParseNumber(reference, out _));
    }
}
