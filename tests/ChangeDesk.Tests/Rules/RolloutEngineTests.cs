using ChangeDesk.Releases;
using ChangeDesk.Signals;

namespace ChangeDesk.Tests.Rules;

public sealed class RolloutEngineTests
{
    static readonly DateTimeOffset T0 = new(2026, 3, 10, 10, 0, 0, TimeSpan.Zero);
    static readonly TimeSpan Day = TimeSpan.FromDays(1);
    static readonly SignalThresholds Limits = SignalThresholds.Default;
    static readonly SignalTotals Healthy = new(100, 99, 1, 0);
    static readonly SignalTotals Failing = new(100, 90, 10, 0);

    /// <summary>The default plan: Test, First, Fast, Broad deferred 0, 1, 6, 9 days, soaking 1, 5, 3, 3.</summary>
    static List<RingInput> Rings(params (RingState State, DateTimeOffset? Started, SignalTotals? Signals)[] states)
    {
        var plan = RingPlan.Defaults;
        return plan.Select((r, i) => i < states.Length
                ? new RingInput(r.Name, r.DeferralDays, r.SoakDays, states[i].State, states[i].Started, states[i].Signals ?? SignalTotals.None)
                : new RingInput(r.Name, r.DeferralDays, r.SoakDays, RingState.Pending, null, SignalTotals.None))
            .ToList();
    }

    static RolloutInput Input(DateTimeOffset now, IReadOnlyList<RingInput> rings) => new()
    {
        ReleaseState = ReleaseState.InProgress,
        PlannedStart = T0,
        StartedAt = T0,
        Rings = rings,
        Thresholds = Limits,
        Now = now,
    };

    static (RingState, DateTimeOffset?, SignalTotals?) Done(double startDay) => (RingState.Completed, T0 + startDay * Day, null);

    static (RingState, DateTimeOffset?, SignalTotals?) Running(double startDay, SignalTotals? signals = null) => (RingState.Deploying, T0 + startDay * Day, signals ?? Healthy);

    static PauseInput TenantPause => new(PauseSide.Tenant, false, PauseCause.Manual, "Testing our payroll app first", T0);
    static PauseInput ProviderPause => new(PauseSide.Provider, false, PauseCause.Manual, "Investigating reports", T0);

    [Fact]
    public void AtTheReleaseStartOnlyTheTestRingStarts()
    {
        var d = RolloutEngine.Decide(Input(T0, Rings()));

        Assert.Equal([new StartRing("Test", false)], d.Actions);
        Assert.Equal(GateStatus.Allowed, d.For("Test")!.Gate);
        var first = d.For("First")!;
        Assert.Equal(GateStatus.Awaiting, first.Gate);
        Assert.Equal(T0 + Day, first.Until);
        Assert.Contains(first.Reasons, r => r.Code == GateReason.Deferral && r.Until == T0 + Day);
        var fast = d.For("Fast")!;
        Assert.Equal(GateStatus.Awaiting, fast.Gate);
        Assert.Equal(GateReason.PreviousRing, Assert.Single(fast.Reasons).Code);
        Assert.Equal(T0 + 6 * Day, fast.ProjectedStart);
        Assert.Equal(T0 + 9 * Day, d.For("Broad")!.ProjectedStart);
    }

    [Fact]
    public void ARingWaitsForItsDeferralAfterTheReleaseStart()
    {
        // Test soaks no longer than the deferral of First, so only the deferral holds First.
        var rings = Rings(Running(0));
        rings[0] = rings[0] with { SoakDays = 0 };

        var d = RolloutEngine.Decide(Input(T0 + 0.5 * Day, rings));

        Assert.Empty(d.Actions.OfType<StartRing>());
        var first = d.For("First")!;
        Assert.Equal(GateStatus.Awaiting, first.Gate);
        var reason = Assert.Single(first.Reasons);
        Assert.Equal(GateReason.Deferral, reason.Code);
        Assert.Equal(T0 + Day, first.Until);
    }

    [Fact]
    public void ARingWaitsForThePreviousRingToSoak()
    {
        var rings = Rings(Running(0));
        rings[0] = rings[0] with { SoakDays = 2 };

        var d = RolloutEngine.Decide(Input(T0 + 1.5 * Day, rings));

        Assert.Empty(d.Actions);
        var first = d.For("First")!;
        Assert.Equal(GateStatus.Awaiting, first.Gate);
        var reason = Assert.Single(first.Reasons);
        Assert.Equal(GateReason.Soak, reason.Code);
        Assert.Equal(T0 + 2 * Day, first.Until);
        Assert.Equal(GateStatus.Allowed, d.For("Test")!.Gate); // still deploying while it soaks
        Assert.Equal(RingState.Deploying, d.For("Test")!.State);
    }

    [Fact]
    public void OnceDeferredAndSoakedThePreviousRingCompletesAndTheNextStarts()
    {
        var d = RolloutEngine.Decide(Input(T0 + Day, Rings(Running(0))));

        Assert.Equal([new CompleteRing("Test"), new StartRing("First", false)], d.Actions);
        Assert.Equal(RingState.Completed, d.For("Test")!.State);
        Assert.Equal(RingState.Deploying, d.For("First")!.State);
        Assert.Equal(T0 + Day, d.For("First")!.StartedAt);
        Assert.Equal(GateStatus.Awaiting, d.For("Fast")!.Gate);
        Assert.Equal(T0 + 6 * Day, d.For("Fast")!.Until);
    }

    [Fact]
    public void ABreachInTheRunningRingPausesTheRolloutAndHoldsTheNextRing()
    {
        var d = RolloutEngine.Decide(Input(T0 + Day, Rings(Running(0, Failing))));

        var pause = Assert.Single(d.Actions.OfType<PauseForBreach>());
        Assert.Equal("Test", pause.Ring);
        Assert.Contains("install failure rate 10 %", pause.Reason);
        Assert.Single(d.Actions); // neither completes Test nor starts First
        Assert.True(d.IsBreaching);
        var test = d.For("Test")!;
        Assert.Equal(GateStatus.Prevented, test.Gate);
        Assert.Contains(test.Reasons, r => r.Code == GateReason.SignalBreach);
        var first = d.For("First")!;
        Assert.Equal(GateStatus.Prevented, first.Gate);
        Assert.Contains(first.Reasons, r => r.Code == GateReason.PausedByProvider);
        Assert.Contains(first.Reasons, r => r.Code == GateReason.SignalBreach && r.Detail.Contains("previous ring Test"));
        Assert.Null(first.Until); // a person must act
    }

    [Fact]
    public void ABreachAlreadyPausedIsNotPausedAgain()
    {
        var input = Input(T0 + Day, Rings(Running(0, Failing))) with
        {
            Pauses = [new PauseInput(PauseSide.Provider, false, PauseCause.SignalBreach, "Signal breach in ring Test", T0 + 0.5 * Day)],
        };

        var d = RolloutEngine.Decide(input);

        Assert.Empty(d.Actions);
        Assert.Equal(GateStatus.Prevented, d.For("First")!.Gate);
    }

    [Fact]
    public void AServiceWideBreachPauseCoversATenantsNewBreach()
    {
        var input = Input(T0 + Day, Rings(Running(0, Failing))) with
        {
            Pauses = [new PauseInput(PauseSide.Provider, true, PauseCause.SignalBreach, "Signals breached in 2 of 3 tenants", T0 + 0.5 * Day)],
        };

        var d = RolloutEngine.Decide(input);

        Assert.Empty(d.Actions);
        Assert.Contains(d.For("First")!.Reasons, r => r.Code == GateReason.PausedByProvider && r.Detail.Contains("for every tenant"));
    }

    [Fact]
    public void TooFewInstallsForTheRateToCountDoNotHoldTheNextRing()
    {
        // 10 failures of 15 installs: far above 5 %, but fewer installs than the 20-device minimum.
        var d = RolloutEngine.Decide(Input(T0 + Day, Rings(Running(0, new SignalTotals(15, 5, 10, 0)))));

        Assert.False(d.IsBreaching);
        Assert.Equal([new CompleteRing("Test"), new StartRing("First", false)], d.Actions);
    }

    [Fact]
    public void AMissingApprovalHoldsTheFirstRing()
    {
        var d = RolloutEngine.Decide(Input(T0, Rings()) with { PendingApprovals = ["CHG-12 (pending)"] });

        Assert.Empty(d.Actions);
        var test = d.For("Test")!;
        Assert.Equal(GateStatus.Prevented, test.Gate);
        var reason = Assert.Single(test.Reasons);
        Assert.Equal(GateReason.NotApproved, reason.Code);
        Assert.Contains("CHG-12", reason.Detail);
    }

    [Fact]
    public void ABlackoutWindowHoldsARingUntilItEnds()
    {
        var windows = new[] { new WindowInput(T0 - Day, T0 + 0.5 * Day, false, "Quarter close") };

        var during = RolloutEngine.Decide(Input(T0, Rings()) with { Blackouts = windows });
        var after = RolloutEngine.Decide(Input(T0 + 0.5 * Day, Rings()) with { Blackouts = windows });

        Assert.Empty(during.Actions);
        var test = during.For("Test")!;
        Assert.Equal(GateStatus.Prevented, test.Gate);
        Assert.Equal(GateReason.Blackout, Assert.Single(test.Reasons).Code);
        Assert.Contains("Quarter close", test.Reasons[0].Detail);
        Assert.Equal(T0 + 0.5 * Day, test.Until);
        Assert.Equal([new StartRing("Test", false)], after.Actions);
    }

    [Fact]
    public void ChainedBlackoutWindowsHoldUntilTheLastEnds()
    {
        var windows = new[]
        {
            new WindowInput(T0 - Day, T0 + Day, false, "Quarter close"),
            new WindowInput(T0 + Day, T0 + 2 * Day, true, "Service freeze"),
            new WindowInput(T0 + 5 * Day, T0 + 6 * Day, true, "Unrelated later freeze"),
        };

        var d = RolloutEngine.Decide(Input(T0, Rings()) with { Blackouts = windows });

        Assert.Equal(T0 + 2 * Day, d.For("Test")!.Until);
    }

    [Fact]
    public void ABlackoutAlsoHaltsARunningRing()
    {
        var d = RolloutEngine.Decide(Input(T0 + Day, Rings(Running(0))) with { Blackouts = [new WindowInput(T0 + 0.9 * Day, T0 + 3 * Day, true, "Freeze")] });

        Assert.Empty(d.Actions); // Test does not complete, First does not start
        Assert.Equal(GateStatus.Prevented, d.For("Test")!.Gate);
        Assert.Equal(GateReason.Blackout, Assert.Single(d.For("Test")!.Reasons).Code);
    }

    [Fact]
    public void AnEmergencyReleaseThatOverridesBlackoutsStartsInsideOne()
    {
        var d = RolloutEngine.Decide(Input(T0, Rings()) with
        {
            Blackouts = [new WindowInput(T0 - Day, T0 + Day, true, "Year-end freeze")],
            BlackoutOverridden = true,
        });

        Assert.Equal([new StartRing("Test", false)], d.Actions);
    }

    [Fact]
    public void ATenantPauseHaltsTheRunningRingAndEveryLaterOneButNotCompletedRings()
    {
        var d = RolloutEngine.Decide(Input(T0 + 7 * Day, Rings(Done(0), Running(1))) with { Pauses = [TenantPause] });

        Assert.Empty(d.Actions); // First has soaked but does not complete while paused
        Assert.Equal(GateStatus.Allowed, d.For("Test")!.Gate);
        foreach (var ring in new[] { "First", "Fast", "Broad" })
        {
            var status = d.For(ring)!;
            Assert.Equal(GateStatus.Prevented, status.Gate);
            Assert.Equal(GateReason.PausedByTenant, status.Reasons[0].Code);
            Assert.Contains("payroll", status.Reasons[0].Detail);
        }
    }

    [Fact]
    public void AProviderPauseHaltsTheRolloutToo()
    {
        var d = RolloutEngine.Decide(Input(T0 + Day, Rings(Running(0))) with { Pauses = [ProviderPause] });

        Assert.Empty(d.Actions);
        Assert.Equal(GateReason.PausedByProvider, Assert.Single(d.For("Test")!.Reasons).Code);
        Assert.Equal(GateReason.PausedByProvider, d.For("First")!.Reasons[0].Code);
    }

    [Fact]
    public void BothPausesAreReportedTenantFirst()
    {
        var d = RolloutEngine.Decide(Input(T0 + Day, Rings(Running(0))) with { Pauses = [ProviderPause, TenantPause] });

        Assert.Equal([GateReason.PausedByTenant, GateReason.PausedByProvider], d.For("First")!.Reasons.Take(2).Select(r => r.Code));
    }

    [Fact]
    public void ExpediteStartsEveryRemainingRingNow()
    {
        var d = RolloutEngine.Decide(Input(T0 + 0.25 * Day, Rings(Running(0))) with { ExpeditedAt = T0 + 0.25 * Day });

        Assert.Equal([new StartRing("First", true), new StartRing("Fast", true), new StartRing("Broad", true)], d.Actions);
        Assert.All(d.Rings, r => Assert.Equal(GateStatus.Allowed, r.Gate));
    }

    [Fact]
    public void ExpediteStillHonoursATenantPause()
    {
        var d = RolloutEngine.Decide(Input(T0 + 0.25 * Day, Rings(Running(0))) with { ExpeditedAt = T0, Pauses = [TenantPause] });

        Assert.Empty(d.Actions);
        Assert.All(d.Rings, r => Assert.Equal(GateReason.PausedByTenant, r.Reasons[0].Code));
    }

    [Fact]
    public void ExpediteStillHonoursApprovalsAndBlackouts()
    {
        var unapproved = RolloutEngine.Decide(Input(T0, Rings()) with { ExpeditedAt = T0, PendingApprovals = ["CHG-3 (declined)"] });
        var blackout = RolloutEngine.Decide(Input(T0, Rings()) with { ExpeditedAt = T0, Blackouts = [new WindowInput(T0, T0 + Day, false, "Audit")] });

        Assert.Empty(unapproved.Actions);
        Assert.Equal(GateReason.NotApproved, unapproved.For("Broad")!.Reasons[0].Code);
        Assert.Empty(blackout.Actions);
        Assert.Equal(GateReason.Blackout, blackout.For("Broad")!.Reasons[0].Code);
    }

    [Fact]
    public void ExpediteDoesNotReportAlreadyDueRingsAsExpedited()
    {
        var d = RolloutEngine.Decide(Input(T0 + 12 * Day, Rings(Done(0), Done(1), Running(6))) with { ExpeditedAt = T0 + 12 * Day });

        Assert.Equal([new CompleteRing("Fast"), new StartRing("Broad", false)], d.Actions);
    }

    [Fact]
    public void TheRolloutCompletesWhenTheLastRingHasSoaked()
    {
        var rings = Rings(Done(0), Done(1), Done(6), Running(9));

        var before = RolloutEngine.Decide(Input(T0 + 11 * Day, rings));
        var after = RolloutEngine.Decide(Input(T0 + 12 * Day, rings));
        var recorded = RolloutEngine.Decide(Input(T0 + 12 * Day, Rings(Done(0), Done(1), Done(6), Done(9))) with { Completed = true });

        Assert.Empty(before.Actions);
        Assert.Equal(T0 + 9 * Day, before.For("Broad")!.StartedAt);
        Assert.Equal([new CompleteRing("Broad"), new CompleteRollout()], after.Actions);
        Assert.Empty(recorded.Actions);
        Assert.All(recorded.Rings, r => Assert.Equal(GateStatus.Allowed, r.Gate));
    }

    [Fact]
    public void ARunningRingThatBreachesAfterSoakingDoesNotComplete()
    {
        var d = RolloutEngine.Decide(Input(T0 + 12 * Day, Rings(Done(0), Done(1), Done(6), Running(9, Failing))));

        Assert.Equal("Broad", Assert.Single(d.Actions.OfType<PauseForBreach>()).Ring);
        Assert.DoesNotContain(d.Actions, a => a is CompleteRing or CompleteRollout);
    }

    [Fact]
    public void SupportRequestsPerThousandReachedDevicesBreachAgainstTheRunningRing()
    {
        // 400 devices reached (Test 100 + First 300), 3 requests: 7.5 per 1,000, above 5.
        var rings = Rings(Done(0), Running(1, new SignalTotals(300, 300, 0, 0)));
        rings[0] = rings[0] with { Signals = new SignalTotals(100, 100, 0, 0) };

        var d = RolloutEngine.Decide(Input(T0 + 2 * Day, rings) with { SupportRequests = 3 });
        var fewer = RolloutEngine.Decide(Input(T0 + 2 * Day, rings) with { SupportRequests = 2 });

        var pause = Assert.Single(d.Actions.OfType<PauseForBreach>());
        Assert.Equal("First", pause.Ring);
        Assert.Equal(SignalMetric.SupportRequests, Assert.Single(pause.Breaches).Metric);
        Assert.Empty(fewer.Actions);
    }

    [Fact]
    public void BeforeTheReleaseStartsEveryRingAwaitsItsProjectedStart()
    {
        var input = Input(T0 - 3 * Day, Rings()) with { ReleaseState = ReleaseState.Scheduled, StartedAt = null };

        var d = RolloutEngine.Decide(input);

        Assert.Empty(d.Actions);
        Assert.All(d.Rings, r => Assert.Equal(GateReason.NotStarted, Assert.Single(r.Reasons).Code));
        Assert.Equal([T0, T0 + Day, T0 + 6 * Day, T0 + 9 * Day], d.Rings.Select(r => r.Until!.Value));
    }

    [Fact]
    public void ATenantMayPauseAReleaseBeforeItStarts()
    {
        var d = RolloutEngine.Decide(Input(T0 - Day, Rings()) with { ReleaseState = ReleaseState.Scheduled, StartedAt = null, Pauses = [TenantPause] });

        Assert.All(d.Rings, r => Assert.Equal(GateStatus.Prevented, r.Gate));
    }

    [Fact]
    public void ACancelledReleaseIsPreventedEverywhere()
    {
        var d = RolloutEngine.Decide(Input(T0 + Day, Rings(Running(0))) with { ReleaseState = ReleaseState.Cancelled });

        Assert.Empty(d.Actions);
        Assert.All(d.Rings, r => Assert.Equal(GateReason.Cancelled, Assert.Single(r.Reasons).Code));
    }

    [Fact]
    public void ALateStartCatchesUpRingByRingAsEachSoaks()
    {
        // The job was not running for ten days: rings still start one after another, each after its soak.
        var d = RolloutEngine.Decide(Input(T0 + 10 * Day, Rings(Running(0))));

        Assert.Equal([new CompleteRing("Test"), new StartRing("First", false)], d.Actions);
        Assert.Equal(T0 + 15 * Day, d.For("Fast")!.Until);
    }

    [Fact]
    public void RingsWithoutSoakStartTogetherOnceDeferred()
    {
        var rings = Rings().Select(r => r with { DeferralDays = 0, SoakDays = 0 }).ToList();

        var d = RolloutEngine.Decide(Input(T0, rings));

        Assert.Equal(4, d.Actions.OfType<StartRing>().Count());
    }
}
