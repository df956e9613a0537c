using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Web;

namespace ChangeDesk.Tests.Rules;

public sealed class ChangeInputValidationTests
{
    static readonly IReadOnlyDictionary<string, ChangeType> Types = ChangeTypeCatalog.Defaults().ToDictionary(t => t.Key);
    static readonly DateTimeOffset Start = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    static readonly Guid Contoso = Guid.Parse("0199a000-0000-7000-8000-000000000001");

    static ChangeInput ValidInput() => new()
    {
        Title = "New settings page",
        Type = "functionality",
        Subtype = "feature-update",
        Scope = "managed-service",
        TargetsAllTenants = true,
        PlannedStart = Start,
    };

    static Dictionary<string, string[]> ErrorsOf(ChangeInput input, bool customerOwned = false) =>
        Assert.Throws<ValidationFailedException>(() => input.Validate(Types, customerOwned)).Errors;

    [Fact]
    public void ValidInputIsAccepted()
    {
        var valid = ValidInput().Validate(Types, customerOwned: false);

        Assert.Equal("New settings page", valid.Title);
        Assert.Equal(ChangeTypeCatalog.Functionality, valid.Type.Key);
        Assert.Equal("feature-update", valid.Subtype);
        Assert.Equal(Scope.ManagedService, valid.Scope);
        Assert.Equal(Consent.None, valid.Consent);
        Assert.Equal(Severity.Normal, valid.Severity);
        Assert.Equal(Start, valid.PlannedStart);
        Assert.True(valid.TargetsAllTenants);
    }

    [Fact]
    public void EmptyInputReportsEveryMissingFieldAtOnce()
    {
        var errors = ErrorsOf(new ChangeInput());

        Assert.Equal(["plannedStart", "scope", "targetTenantIds", "title", "type"], errors.Keys.Order());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void MissingTitleIsReportedOnTheTitleField(string? title)
    {
        var errors = ErrorsOf(ValidInput() with { Title = title });

        Assert.Equal(["title"], errors.Keys);
        Assert.Equal(["A title is required."], errors["title"]);
    }

    [Fact]
    public void TitleLongerThan200CharactersIsRefused()
    {
        Assert.Equal(["title"], ErrorsOf(ValidInput() with { Title = new string('x', 201) }).Keys);
        Assert.Equal(new string('x', 200), (ValidInput() with { Title = new string('x', 200) }).Validate(Types, false).Title);
    }

    [Fact]
    public void MissingTypeIsReportedOnTheTypeField()
    {
        var errors = ErrorsOf(ValidInput() with { Type = null, Subtype = null });

        Assert.Equal(["type"], errors.Keys);
        Assert.Contains("functionality", errors["type"][0]);
    }

    [Fact]
    public void UnknownTypeIsReportedOnTheTypeField()
    {
        var errors = ErrorsOf(ValidInput() with { Type = "cosmetic" });

        Assert.Equal(["type"], errors.Keys);
        Assert.StartsWith("Unknown change type 'cosmetic'", errors["type"][0]);
    }

    [Fact]
    public void MissingScopeIsReportedOnTheScopeField()
    {
        Assert.Equal(["scope"], ErrorsOf(ValidInput() with { Scope = null }).Keys);
    }

    [Fact]
    public void UnknownScopeIsReportedOnTheScopeField()
    {
        Assert.Equal(["scope"], ErrorsOf(ValidInput() with { Scope = "mainframe" }).Keys);
    }

    [Fact]
    public void MissingPlannedStartIsReportedOnThePlannedStartField()
    {
        var errors = ErrorsOf(ValidInput() with { PlannedStart = null });

        Assert.Equal(["plannedStart"], errors.Keys);
    }

    [Fact]
    public void SubtypeOfAnotherTypeIsRefused()
    {
        var errors = ErrorsOf(ValidInput() with { Subtype = "client-hotfix" });

        Assert.Equal(["subtype"], errors.Keys);
        Assert.Contains("feature-update", errors["subtype"][0]);
    }

    [Fact]
    public void MissingSubtypeIsRefusedWhenTheTypeHasSeveral()
    {
        Assert.Equal(["subtype"], ErrorsOf(ValidInput() with { Subtype = null }).Keys);
    }

    [Fact]
    public void MissingSubtypeDefaultsToTheOnlySubtypeOfTheType()
    {
        var valid = (ValidInput() with { Type = "non-security", Subtype = null }).Validate(Types, false);

        Assert.Equal("client-hotfix", valid.Subtype);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void AdminActionRequiredWithoutTextIsReportedOnTheAdminActionField(string? text)
    {
        var errors = ErrorsOf(ValidInput() with { AdminActionRequired = true, AdminAction = text });

        Assert.Equal(["adminAction"], errors.Keys);
    }

    [Fact]
    public void AdminActionTextIsDroppedWhenNoActionIsRequired()
    {
        var valid = (ValidInput() with { AdminActionRequired = false, AdminAction = "Leftover text" }).Validate(Types, false);

        Assert.Null(valid.AdminAction);
    }

    [Fact]
    public void PlannedEndBeforePlannedStartIsReportedOnThePlannedEndField()
    {
        var errors = ErrorsOf(ValidInput() with { PlannedEnd = Start.AddMinutes(-1) });

        Assert.Equal(["plannedEnd"], errors.Keys);
    }

    [Fact]
    public void PlannedEndEqualToPlannedStartIsAllowed()
    {
        Assert.Equal(Start, (ValidInput() with { PlannedEnd = Start }).Validate(Types, false).PlannedEnd);
    }

    [Theory]
    [InlineData("approve")]
    [InlineData("acknowledge")]
    public void ConsentWithoutActionRequiredByIsReportedOnTheActionRequiredByField(string consent)
    {
        var errors = ErrorsOf(ValidInput() with { Consent = consent });

        Assert.Equal(["actionRequiredBy"], errors.Keys);
        Assert.Contains(consent, errors["actionRequiredBy"][0]);
    }

    [Fact]
    public void ActionRequiredByAfterThePlannedStartIsRefused()
    {
        var errors = ErrorsOf(ValidInput() with { Consent = "approve", ActionRequiredBy = Start.AddHours(1) });

        Assert.Equal(["actionRequiredBy"], errors.Keys);
    }

    [Fact]
    public void ConsentWithActionRequiredByBeforeTheStartIsAccepted()
    {
        var valid = (ValidInput() with { Consent = "approve", ActionRequiredBy = Start.AddDays(-1) }).Validate(Types, false);

        Assert.Equal(Consent.Approve, valid.Consent);
        Assert.Equal(Start.AddDays(-1), valid.ActionRequiredBy);
    }

    [Fact]
    public void UnknownConsentIsReportedOnTheConsentField()
    {
        Assert.Equal(["consent"], ErrorsOf(ValidInput() with { Consent = "maybe" }).Keys);
    }

    [Fact]
    public void ProviderChangeWithoutTargetsIsReportedOnTheTargetTenantIdsField()
    {
        var errors = ErrorsOf(ValidInput() with { TargetsAllTenants = false, TargetTenantIds = [] });

        Assert.Equal(["targetTenantIds"], errors.Keys);
    }

    [Fact]
    public void ProviderChangeNamingATenantIsAcceptedWithDuplicatesRemoved()
    {
        var valid = (ValidInput() with { TargetsAllTenants = false, TargetTenantIds = [Contoso, Contoso] }).Validate(Types, false);

        Assert.Equal([Contoso], valid.TargetTenantIds);
        Assert.False(valid.TargetsAllTenants);
    }

    [Fact]
    public void CustomerOwnedChangeWithoutTargetsIsAccepted()
    {
        var valid = (ValidInput() with { TargetsAllTenants = false, TargetTenantIds = null }).Validate(Types, customerOwned: true);

        Assert.Empty(valid.TargetTenantIds);
        Assert.False(valid.TargetsAllTenants);
    }

    [Fact]
    public void CustomerOwnedChangeNeverTargetsAllTenantsOrNamedTenants()
    {
        var valid = (ValidInput() with { TargetsAllTenants = true, TargetTenantIds = [Contoso] }).Validate(Types, customerOwned: true);

        Assert.False(valid.TargetsAllTenants);
        Assert.Empty(valid.TargetTenantIds);
    }

    [Fact]
    public void ValidationMessageNamesTheField()
    {
        var exception = Assert.Throws<ValidationFailedException>(() => (ValidInput() with { PlannedStart = null }).Validate(Types, false));

        Assert.Equal(400, exception.Status);
        Assert.Equal("validation", exception.Rule);
        Assert.Equal("plannedStart: A planned start is required.", exception.Message);
    }

    [Fact]
    public void TimesAreReturnedInUtc()
    {
        var start = new DateTimeOffset(2026, 3, 10, 10, 0, 0, TimeSpan.FromHours(1));

        var valid = (ValidInput() with { PlannedStart = start }).Validate(Types, false);

        Assert.Equal(TimeSpan.Zero, valid.PlannedStart.Offset);
        Assert.Equal(start, valid.PlannedStart);
    }
}
