using ChangeDesk.Responsibility;

namespace ChangeDesk.Support;

public enum SupportAction
{
    /// <summary>The provider picks the request up.</summary>
    Start,

    /// <summary>The provider needs something from the customer.</summary>
    WaitOnCustomer,

    /// <summary>The provider carries on without waiting for the customer's answer.</summary>
    Resume,

    /// <summary>The provider considers the problem fixed.</summary>
    Resolve,

    /// <summary>The customer confirms the fix.</summary>
    Close,

    /// <summary>The customer says the problem is not fixed.</summary>
    Reopen,
}

/// <summary>
/// The life of a support request: which side may take which action from which state. The provider's support
/// engineers work the request; the customer confirms or rejects the fix, and answering a question of the
/// provider hands the request back to it.
/// </summary>
public static class SupportStateMachine
{
    static readonly Dictionary<SupportAction, (SupportState[] From, SupportState To, Party By)> Transitions = new()
    {
        [SupportAction.Start] = ([SupportState.New], SupportState.InProgress, Party.Provider),
        [SupportAction.WaitOnCustomer] = ([SupportState.InProgress], SupportState.WaitingOnCustomer, Party.Provider),
        [SupportAction.Resume] = ([SupportState.WaitingOnCustomer], SupportState.InProgress, Party.Provider),
        [SupportAction.Resolve] = ([SupportState.InProgress, SupportState.WaitingOnCustomer], SupportState.Resolved, Party.Provider),
        [SupportAction.Close] = ([SupportState.Resolved], SupportState.Closed, Party.Customer),
        [SupportAction.Reopen] = ([SupportState.Resolved], SupportState.InProgress, Party.Customer),
    };

    /// <summary>The side that takes an action; the other side never may.</summary>
    public static Party TakenBy(SupportAction action) => Transitions[action].By;

    public static bool TryNext(SupportState from, SupportAction action, Party by, out SupportState to)
    {
        var (sources, target, party) = Transitions[action];
        var allowed = party == by && sources.Contains(from);
        to = allowed ? target : from;
        return allowed;
    }

    /// <summary>The actions the side may take now, in lifecycle order.</summary>
    public static IReadOnlyList<SupportAction> AllowedFrom(SupportState state, Party by) =>
        Transitions.Where(t => t.Value.By == by && t.Value.From.Contains(state)).Select(t => t.Key).ToList();

    /// <summary>A customer's comment answers the provider's question: the request goes back to the provider.</summary>
    public static SupportState AfterCustomerComment(SupportState state) =>
        state == SupportState.WaitingOnCustomer ? SupportState.InProgress : state;

    /// <summary>Comments are taken until the request is closed; a closed problem that returns is a new request.</summary>
    public static bool TakesComments(SupportState state) => state != SupportState.Closed;

    /// <summary>New, in progress or waiting on the customer: the provider's queue.</summary>
    public static bool IsOpen(SupportState state) => state is SupportState.New or SupportState.InProgress or SupportState.WaitingOnCustomer;

    public static readonly SupportState[] OpenStates = [SupportState.New, SupportState.InProgress, SupportState.WaitingOnCustomer];
}
