using ChangeDesk.Releases;

namespace ChangeDesk.Tests.Rules;

public sealed class RingPlanTests
{
    [Fact]
    public void TheDefaultPlanIsTestFirstFastBroadWithQualityUpdateDeferrals()
    {
        var plan = RingPlan.Defaults;

        Assert.Equal(["Test", "First", "Fast", "Broad"], plan.Select(r => r.Name));
        Assert.Equal([0, 1, 6, 9], plan.Select(r => r.DeferralDays));
        Assert.Equal([null, 1d, 9d, 90d], plan.Select(r => r.SharePercent));
        Assert.NotNull(plan[0].Devices);
        Assert.Empty(RingPlan.Validate(plan));
    }

    [Fact]
    public void EachRingSoaksUntilTheNextRingsDeferral()
    {
        var plan = RingPlan.Defaults;
        for (var i = 0; i < plan.Count - 1; i++)
        {
            Assert.Equal(plan[i + 1].DeferralDays, plan[i].DeferralDays + plan[i].SoakDays);
        }
    }

    [Fact]
    public void ErrorsNameTheRingAndField()
    {
        var errors = RingPlan.Validate(
        [
            new("Test", 10, null, 0, 1),
            new("test", null, 50, -1, 1),
            new("", 5, 10, 0, 91),
        ]);

        Assert.Contains("rings[1].name", errors.Keys);
        Assert.Contains("rings[1].deferralDays", errors.Keys);
        Assert.Contains("rings[2].name", errors.Keys);
        Assert.Contains("rings[2].devices", errors.Keys);
        Assert.Contains("rings[2].soakDays", errors.Keys);
        Assert.DoesNotContain(errors.Keys, k => k.StartsWith("rings[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void SharesMustAddUpToAHundredPercent()
    {
        var errors = RingPlan.Validate([new("Pilot", 5, null, 0, 1), new("Early", null, 30, 1, 2), new("Rest", null, 60, 3, 1)]);

        Assert.Contains("add up to 90 %", Assert.Single(errors["rings"]));
        Assert.Empty(RingPlan.Validate([new("Pilot", 5, null, 0, 1), new("Rest", null, 100, 3, 1)]));
        Assert.Empty(RingPlan.Validate([new("Everyone", 500, null, 0, 0)]));
    }

    [Fact]
    public void APlanHasOneToEightRings()
    {
        Assert.Contains("rings", RingPlan.Validate([]).Keys);
        Assert.Contains("rings", RingPlan.Validate(Enumerable.Range(1, 9).Select(i => new RingDefinition($"R{i}", 1, null, i, 1)).ToList()).Keys);
    }
}
