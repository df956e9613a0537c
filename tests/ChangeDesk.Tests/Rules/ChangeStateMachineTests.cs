using ChangeDesk.Changes;

namespace ChangeDesk.Tests.Rules;

public sealed class ChangeStateMachineTests
{
    // The lifecycle as the product defines it, written out independently of the implementation.
    static readonly Dictionary<(ChangeState From, ChangeAction Action), ChangeState> Expected = new()
    {
        [(ChangeState.Draft, ChangeAction.Announce)] = ChangeState.Announced,
        [(ChangeState.Draft, ChangeAction.Cancel)] = ChangeState.Cancelled,
        [(ChangeState.Announced, ChangeAction.Start)] = ChangeState.InProgress,
        [(ChangeState.Announced, ChangeAction.Cancel)] = ChangeState.Cancelled,
        [(ChangeState.InProgress, ChangeAction.Pause)] = ChangeState.Paused,
        [(ChangeState.InProgress, ChangeAction.Complete)] = ChangeState.Completed,
        [(ChangeState.InProgress, ChangeAction.Rollback)] = ChangeState.RolledBack,
        [(ChangeState.Paused, ChangeAction.Resume)] = ChangeState.InProgress,
        [(ChangeState.Paused, ChangeAction.Cancel)] = ChangeState.Cancelled,
        [(ChangeState.Paused, ChangeAction.Rollback)] = ChangeState.RolledBack,
        [(ChangeState.Completed, ChangeAction.Review)] = ChangeState.Reviewed,
        [(ChangeState.Completed, ChangeAction.Rollback)] = ChangeState.RolledBack,
        [(ChangeState.RolledBack, ChangeAction.Review)] = ChangeState.Reviewed,
    };

    public static TheoryData<ChangeState, ChangeAction> EveryStateAndAction()
    {
        var data = new TheoryData<ChangeState, ChangeAction>();
        foreach (var state in Enum.GetValues<ChangeState>())
        {
            foreach (var action in Enum.GetValues<ChangeAction>())
            {
                data.Add(state, action);
            }
        }
        return data;
    }

    [Fact]
    public void TheCrossProductCoversEightStatesAndEightActions()
    {
        Assert.Equal(64, EveryStateAndAction().Count);
    }

    [Theory]
    [MemberData(nameof(EveryStateAndAction))]
    public void OnlyTheLifecycleTransitionsSucceedAndLeadToTheirTarget(ChangeState from, ChangeAction action)
    {
        var moved = ChangeStateMachine.TryNext(from, action, out var to);

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
    [MemberData(nameof(EveryStateAndAction))]
    public void AllowedFromListsAnActionExactlyWhenItIsATransition(ChangeState from, ChangeAction action)
    {
        Assert.Equal(Expected.ContainsKey((from, action)), ChangeStateMachine.AllowedFrom(from).Contains(action));
    }

    [Theory]
    [InlineData(ChangeState.Reviewed)]
    [InlineData(ChangeState.Cancelled)]
    public void TerminalStatesAllowNothing(ChangeState state)
    {
        Assert.True(ChangeStateMachine.IsTerminal(state));
        Assert.Empty(ChangeStateMachine.AllowedFrom(state));
        Assert.All(Enum.GetValues<ChangeAction>(), action => Assert.False(ChangeStateMachine.TryNext(state, action, out _)));
    }

    [Theory]
    [InlineData(ChangeState.Draft)]
    [InlineData(ChangeState.Announced)]
    [InlineData(ChangeState.InProgress)]
    [InlineData(ChangeState.Paused)]
    [InlineData(ChangeState.Completed)]
    [InlineData(ChangeState.RolledBack)]
    public void NonTerminalStatesAllowAtLeastOneAction(ChangeState state)
    {
        Assert.False(ChangeStateMachine.IsTerminal(state));
        Assert.NotEmpty(ChangeStateMachine.AllowedFrom(state));
    }

    [Fact]
    public void AllowedActionsFromInProgressArePauseCompleteAndRollback()
    {
        Assert.Equal(
            [ChangeAction.Pause, ChangeAction.Complete, ChangeAction.Rollback],
            ChangeStateMachine.AllowedFrom(ChangeState.InProgress).Order());
    }

    [Theory]
    [InlineData(ChangeState.Draft, true)]
    [InlineData(ChangeState.Announced, true)]
    [InlineData(ChangeState.InProgress, true)]
    [InlineData(ChangeState.Paused, true)]
    [InlineData(ChangeState.Completed, false)]
    [InlineData(ChangeState.RolledBack, false)]
    [InlineData(ChangeState.Reviewed, false)]
    [InlineData(ChangeState.Cancelled, false)]
    public void ContentIsEditableOnlyUntilTheChangeHasEnded(ChangeState state, bool editable)
    {
        Assert.Equal(editable, ChangeStateMachine.IsEditable(state));
    }
}
