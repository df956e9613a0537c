using ChangeDesk.Changes;
using ChangeDesk.Web;

namespace ChangeDesk.Tests.Rules;

public sealed class EmergencyRuleTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    static readonly EmergencySubject Change = EmergencySubject.Change("CHG-12", 12);

    [Fact]
    public void AnEmergencyWithoutAMitigationIsRefused()
    {
        Assert.False(EmergencyRule.IsSatisfied(true, [], Now));
        Assert.Throws<RuleViolationException>(() => EmergencyRule.Enforce(true, [], Now, Change));
    }

    [Fact]
    public void AMitigationAppliedAtOrBeforeNowLetsTheEmergencyThrough()
    {
        Assert.True(EmergencyRule.IsSatisfied(true, [Now], Now));
        Assert.True(EmergencyRule.IsSatisfied(true, [Now.AddHours(2), Now.AddMinutes(-1)], Now));
        EmergencyRule.Enforce(true, [Now.AddDays(-1)], Now, Change);
    }

    [Fact]
    public void AMitigationRecordedForLaterDoesNotCountYet()
    {
        Assert.False(EmergencyRule.IsSatisfied(true, [Now.AddTicks(1)], Now));
    }

    [Fact]
    public void ANonEmergencyNeedsNoMitigation()
    {
        Assert.True(EmergencyRule.IsSatisfied(false, [], Now));
        EmergencyRule.Enforce(false, [], Now, Change);
    }

    [Fact]
    public void TheRefusalOfAChangeNamesItAndWhereToRecordTheMitigation()
    {
        var refused = Assert.Throws<RuleViolationException>(() => EmergencyRule.Enforce(true, [], Now, Change));

        Assert.Equal(422, refused.Status);
        Assert.Equal("mitigation-first", refused.Rule);
        Assert.Equal("Apply a mitigation before notifying.", refused.Title);
        Assert.Equal("CHG-12 is an emergency change: record the mitigation you applied (POST /api/changes/12/mitigations) before announcing it.", refused.Message);
    }

    [Fact]
    public void TheRefusalOfAReleaseNamesItAndThatStartingNotifiesEveryTenant()
    {
        var id = Guid.Parse("0190a0b0-0000-7000-8000-000000000001");

        var refused = Assert.Throws<RuleViolationException>(() => EmergencyRule.Enforce(true, [], Now, EmergencySubject.Release("Browser zero-day", id)));

        Assert.Equal("mitigation-first", refused.Rule);
        Assert.Equal(
            $"Browser zero-day is an emergency release: record the mitigation you applied (POST /api/releases/{id}/mitigation) before starting it, which notifies every tenant.",
            refused.Message);
    }
}
