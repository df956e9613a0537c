using ChangeDesk.Responsibility;
using ChangeDesk.Support;

namespace ChangeDesk.Tests.Rules;

public sealed class SupportStateMachineTests
{
    // The lifecycle as the product defines it, written out independently of the implementation.
    static readonly Dictionary<(SupportState From, SupportAction Action, Party By), SupportState> Expected = new()
    {
        [(SupportState.New, SupportAction.Start, Party.Provider)] = SupportState.InProgress,
        [(SupportState.InProgress, SupportAction.WaitOnCustomer, Party.Provider)] = SupportState.WaitingOnCustomer,
        [(SupportState.InProgress, SupportAction.Resolve, Party.Provider)] = SupportState.Resolved,
        [(SupportState.WaitingOnCustomer, SupportAction.Resume, Party.Provider)] = SupportState.InProgress,
        [(SupportState.WaitingOnCustomer, SupportAction.Resolve, Party.Provider)] = SupportState.Resolved,
        [(SupportState.Resolved, SupportAction.Close, Party.Customer)] = SupportState.Closed,
        [(SupportState.Resolved, SupportAction.Reopen, Party.Customer)] = SupportState.InProgress,
    };

    public static TheoryData<SupportState, SupportAction, Party> EveryStateActionAndSide()
    {
        var data = new TheoryData<SupportState, SupportAction, Party>();
        foreach (var state in Enum.GetValues<SupportState>())
        {
            foreach (var action in Enum.GetValues<SupportAction>())
            {
                foreach (var party in new[] { Party.Provider, Party.Customer })
                {
                    data.Add(state, action, party);
                }
            }
        }
        return data;
    }

    [Fact]
    public void TheCrossProductCoversFiveStatesSixActionsAndBothSides()
    {
        Assert.Equal(60, EveryStateActionAndSide().Count);
    }

    [Theory]
    [MemberData(nameof(EveryStateActionAndSide))]
    public void OnlyTheLifecycleTransitionsSucceedForTheirSideAndLeadToTheirTarget(SupportState from, SupportAction action, Party by)
    {
        var moved = SupportStateMachine.TryNext(from, action, by, out var to);

        if (Expected.TryGetValue((from, action, by), out var target))
        {
            Assert.True(moved, $"{by} should be allowed to {action} from {from}");
            Assert.Equal(target, to);
        }
        else
        {
            Assert.False(moved, $"{by} should not be allowed to {action} from {from}");
            Assert.Equal(from, to);
        }
    }

    [Theory]
    [MemberData(nameof(EveryStateActionAndSide))]
    public void AllowedActionsListExactlyWhatSucceeds(SupportState from, SupportAction action, Party by)
    {
        Assert.Equal(Expected.ContainsKey((from, action, by)), SupportStateMachine.AllowedFrom(from, by).Contains(action));
    }

    [Fact]
    public void TheProviderWorksTheRequestAndTheCustomerConfirmsOrRejectsTheFix()
    {
        Assert.Equal([SupportAction.Start], SupportStateMachine.AllowedFrom(SupportState.New, Party.Provider));
        Assert.Empty(SupportStateMachine.AllowedFrom(SupportState.New, Party.Customer));
        Assert.Equal([SupportAction.Close, SupportAction.Reopen], SupportStateMachine.AllowedFrom(SupportState.Resolved, Party.Customer));
        Assert.Empty(SupportStateMachine.AllowedFrom(SupportState.Resolved, Party.Provider));
        Assert.Empty(SupportStateMachine.AllowedFrom(SupportState.Closed, Party.Provider));
        Assert.Empty(SupportStateMachine.AllowedFrom(SupportState.Closed, Party.Customer));
        foreach (var action in new[] { SupportAction.Start, SupportAction.WaitOnCustomer, SupportAction.Resume, SupportAction.Resolve })
        {
            Assert.Equal(Party.Provider, SupportStateMachine.TakenBy(action));
        }
        Assert.Equal(Party.Customer, SupportStateMachine.TakenBy(SupportAction.Close));
        Assert.Equal(Party.Customer, SupportStateMachine.TakenBy(SupportAction.Reopen));
    }

    [Theory]
    [InlineData(SupportState.New, SupportState.New)]
    [InlineData(SupportState.InProgress, SupportState.InProgress)]
    [InlineData(SupportState.WaitingOnCustomer, SupportState.InProgress)]
    [InlineData(SupportState.Resolved, SupportState.Resolved)]
    public void ACustomerCommentHandsARequestWaitingOnTheCustomerBackToTheProvider(SupportState from, SupportState expected)
    {
        Assert.Equal(expected, SupportStateMachine.AfterCustomerComment(from));
    }

    [Fact]
    public void EveryStateButClosedTakesComments()
    {
        foreach (var state in Enum.GetValues<SupportState>())
        {
            Assert.Equal(state != SupportState.Closed, SupportStateMachine.TakesComments(state));
        }
    }

    [Fact]
    public void TheQueueHoldsNewInProgressAndWaitingRequests()
    {
        Assert.Equal(
            [SupportState.New, SupportState.InProgress, SupportState.WaitingOnCustomer],
            Enum.GetValues<SupportState>().Where(SupportStateMachine.IsOpen));
    }
}
