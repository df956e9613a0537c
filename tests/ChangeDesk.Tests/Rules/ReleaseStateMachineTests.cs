using ChangeDesk.Releases;

namespace ChangeDesk.Tests.Rules;

public sealed class ReleaseStateMachineTests
{
    // The lifecycle as the product defines it, written out independently of the implementation.
    static readonly Dictionary<(ReleaseState From, ReleaseAction Action), ReleaseState> Expected = new()
    {
        [(ReleaseState.Scheduled, ReleaseAction.Edit)] = ReleaseState.Scheduled,
        [(ReleaseState.Scheduled, ReleaseAction.Bundle)] = ReleaseState.Scheduled,
        [(ReleaseState.Scheduled, ReleaseAction.RecordMitigation)] = ReleaseState.Scheduled,
        [(ReleaseState.Scheduled, ReleaseAction.OverrideBlackouts)] = ReleaseState.Scheduled,
        [(ReleaseState.Scheduled, ReleaseAction.Start)] = ReleaseState.InProgress,
        [(ReleaseState.Scheduled, ReleaseAction.Pause)] = ReleaseState.Scheduled,
        [(ReleaseState.Scheduled, ReleaseAction.Resume)] = ReleaseState.Scheduled,
        [(ReleaseState.Scheduled, ReleaseAction.Cancel)] = ReleaseState.Cancelled,
        [(ReleaseState.InProgress, ReleaseAction.Edit)] = ReleaseState.InProgress,
        [(ReleaseState.InProgress, ReleaseAction.RecordMitigation)] = ReleaseState.InProgress,
        [(ReleaseState.InProgress, ReleaseAction.OverrideBlackouts)] = ReleaseState.InProgress,
        [(ReleaseState.InProgress, ReleaseAction.Pause)] = ReleaseState.InProgress,
        [(ReleaseState.InProgress, ReleaseAction.Resume)] = ReleaseState.InProgress,
        [(ReleaseState.InProgress, ReleaseAction.Expedite)] = ReleaseState.InProgress,
        [(ReleaseState.InProgress, ReleaseAction.Complete)] = ReleaseState.Completed,
        [(ReleaseState.InProgress, ReleaseAction.Cancel)] = ReleaseState.Cancelled,
    };

    // What each kind of release allows in each state: a calendar release has no mitigation and may be paused before
    // it starts; an out-of-band release records its mitigation and is paused only once it runs.
    static readonly ReleaseAction[] CalendarScheduled =
        [ReleaseAction.Edit, ReleaseAction.Bundle, ReleaseAction.Start, ReleaseAction.Pause, ReleaseAction.Resume, ReleaseAction.Cancel];

    static readonly ReleaseAction[] CalendarInProgress =
        [ReleaseAction.Edit, ReleaseAction.Pause, ReleaseAction.Resume, ReleaseAction.Expedite, ReleaseAction.Complete, ReleaseAction.Cancel];

    static readonly ReleaseAction[] OutOfBandScheduled =
        [ReleaseAction.Edit, ReleaseAction.Bundle, ReleaseAction.RecordMitigation, ReleaseAction.OverrideBlackouts, ReleaseAction.Start, ReleaseAction.Cancel];

    static readonly ReleaseAction[] OutOfBandInProgress =
    [
        ReleaseAction.Edit, ReleaseAction.RecordMitigation, ReleaseAction.OverrideBlackouts, ReleaseAction.Pause, ReleaseAction.Resume,
        ReleaseAction.Expedite, ReleaseAction.Complete, ReleaseAction.Cancel,
    ];

    static ReleaseAction[] ExpectedAllowed(ReleaseState state, ReleaseKind kind) => (state, kind == ReleaseKind.OutOfBand) switch
    {
        (ReleaseState.Scheduled, false) => CalendarScheduled,
        (ReleaseState.InProgress, false) => CalendarInProgress,
        (ReleaseState.Scheduled, true) => OutOfBandScheduled,
        (ReleaseState.InProgress, true) => OutOfBandInProgress,
        _ => [],
    };

    public static TheoryData<ReleaseState, ReleaseAction> EveryStateAndAction()
    {
        var data = new TheoryData<ReleaseState, ReleaseAction>();
        foreach (var state in Enum.GetValues<ReleaseState>())
        {
            foreach (var action in Enum.GetValues<ReleaseAction>())
            {
                data.Add(state, action);
            }
        }
        return data;
    }

    public static TheoryData<ReleaseState, ReleaseAction, ReleaseKind> EveryStateActionAndKind()
    {
        var data = new TheoryData<ReleaseState, ReleaseAction, ReleaseKind>();
        foreach (var state in Enum.GetValues<ReleaseState>())
        {
            foreach (var action in Enum.GetValues<ReleaseAction>())
            {
                foreach (var kind in Enum.GetValues<ReleaseKind>())
                {
                    data.Add(state, action, kind);
                }
            }
        }
        return data;
    }

    [Fact]
    public void TheCrossProductCoversFourStatesTenActionsAndThreeKinds()
    {
        Assert.Equal(40, EveryStateAndAction().Count);
        Assert.Equal(120, EveryStateActionAndKind().Count);
    }

    [Theory]
    [MemberData(nameof(EveryStateAndAction))]
    public void OnlyTheLifecycleTransitionsSucceedAndLeadToTheirTarget(ReleaseState from, ReleaseAction action)
    {
        var moved = ReleaseStateMachine.TryNext(from, action, out var to);

        if (Expected.TryGetValue((from, action), out var target))
        {
            Assert.True(moved, $"{action} from {from} should be allowed");
            Assert.Equal(target, to);
        }
        else
        {
            Assert.False(moved, $"{action} from {from} should be refused");
            Assert.Equal(from, to);
        }
    }

    [Theory]
    [MemberData(nameof(EveryStateActionAndKind))]
    public void EachKindAllowsItsActionsAndNothingTheLifecycleRefuses(ReleaseState state, ReleaseAction action, ReleaseKind kind)
    {
        var allowed = ReleaseStateMachine.Allows(state, kind, action);

        Assert.Equal(ExpectedAllowed(state, kind).Contains(action), allowed);
        Assert.True(!allowed || Expected.ContainsKey((state, action)), $"{action} from {state} is allowed without a transition");
        Assert.Equal(allowed, ReleaseStateMachine.AllowedFrom(state, kind).Contains(action));
    }

    [Theory]
    [InlineData(ReleaseState.Scheduled, ReleaseKind.Security)]
    [InlineData(ReleaseState.InProgress, ReleaseKind.NonSecurity)]
    [InlineData(ReleaseState.Scheduled, ReleaseKind.OutOfBand)]
    [InlineData(ReleaseState.InProgress, ReleaseKind.OutOfBand)]
    public void AllowedActionsComeInLifecycleOrder(ReleaseState state, ReleaseKind kind)
    {
        Assert.Equal(ExpectedAllowed(state, kind), ReleaseStateMachine.AllowedFrom(state, kind));
    }

    [Theory]
    [InlineData(ReleaseState.Completed)]
    [InlineData(ReleaseState.Cancelled)]
    public void AnEndedReleaseAllowsNothing(ReleaseState state)
    {
        Assert.False(ReleaseStateMachine.IsOpen(state));
        Assert.All(Enum.GetValues<ReleaseKind>(), kind => Assert.Empty(ReleaseStateMachine.AllowedFrom(state, kind)));
        Assert.All(Enum.GetValues<ReleaseAction>(), action => Assert.False(ReleaseStateMachine.TryNext(state, action, out _)));
    }

    [Fact]
    public void AScheduledOutOfBandReleaseOffersNeitherPauseNorResumeToAnyone()
    {
        foreach (var actor in Enum.GetValues<ReleaseActor>())
        {
            var offered = ReleaseStateMachine.OfferedTo(actor, ReleaseState.Scheduled, ReleaseKind.OutOfBand);
            Assert.DoesNotContain(ReleaseAction.Pause, offered);
            Assert.DoesNotContain(ReleaseAction.Resume, offered);
        }
        Assert.Contains(ReleaseAction.Pause, ReleaseStateMachine.OfferedTo(ReleaseActor.TenantAdmin, ReleaseState.InProgress, ReleaseKind.OutOfBand));
        Assert.Contains(ReleaseAction.Pause, ReleaseStateMachine.OfferedTo(ReleaseActor.TenantAdmin, ReleaseState.Scheduled, ReleaseKind.Security));
    }

    [Theory]
    [InlineData(ReleaseState.Scheduled, ReleaseKind.Security)]
    [InlineData(ReleaseState.InProgress, ReleaseKind.Security)]
    [InlineData(ReleaseState.Scheduled, ReleaseKind.OutOfBand)]
    [InlineData(ReleaseState.InProgress, ReleaseKind.OutOfBand)]
    [InlineData(ReleaseState.Completed, ReleaseKind.NonSecurity)]
    public void RunnersAreOfferedAllButCompletingTenantAdminsPauseAndResumeAndReadersNothing(ReleaseState state, ReleaseKind kind)
    {
        var allowed = ExpectedAllowed(state, kind);

        Assert.Equal(allowed.Where(a => a != ReleaseAction.Complete), ReleaseStateMachine.OfferedTo(ReleaseActor.Runner, state, kind));
        Assert.Equal(allowed.Where(a => a is ReleaseAction.Pause or ReleaseAction.Resume), ReleaseStateMachine.OfferedTo(ReleaseActor.TenantAdmin, state, kind));
        Assert.Empty(ReleaseStateMachine.OfferedTo(ReleaseActor.Reader, state, kind));
    }

    [Fact]
    public void ARefusalNamesTheCurrentStateAndTheAllowedActions()
    {
        var refusal = ReleaseStateMachine.Refusal("Browser zero-day", ReleaseState.Scheduled, ReleaseKind.OutOfBand, ReleaseAction.Pause);

        Assert.Equal(409, refusal.Status);
        Assert.Equal("invalid-transition", refusal.Rule);
        Assert.Equal("scheduled", refusal.Extensions["currentState"]);
        Assert.Equal(
            new[] { "edit", "bundle", "record-mitigation", "override-blackouts", "start", "cancel" },
            Assert.IsType<string[]>(refusal.Extensions["allowedActions"]));
        Assert.StartsWith("Browser zero-day is scheduled: an out-of-band release can be paused only while in-progress.", refusal.Message);
        Assert.EndsWith("Allowed now: edit, bundle, record-mitigation, override-blackouts, start, cancel.", refusal.Message);
    }

    [Fact]
    public void ARefusalOfAnEndedReleaseSaysNothingFurtherIsPossible()
    {
        var refusal = ReleaseStateMachine.Refusal("2041-05 security release", ReleaseState.Completed, ReleaseKind.Security, ReleaseAction.Start);

        Assert.Equal("completed", refusal.Extensions["currentState"]);
        Assert.Empty(Assert.IsType<string[]>(refusal.Extensions["allowedActions"]));
        Assert.Equal("2041-05 security release is completed: a security release can start only while scheduled. No further action is possible.", refusal.Message);
    }
}
