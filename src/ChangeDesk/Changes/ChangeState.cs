using ChangeDesk.Web;

namespace ChangeDesk.Changes;

public enum ChangeState
{
    Draft,
    Announced,
    InProgress,
    Paused,
    Completed,
    Reviewed,
    Cancelled,
    RolledBack,
}

public enum ChangeAction
{
    Announce,
    Start,
    Pause,
    Resume,
    Complete,
    Review,
    Cancel,
    Rollback,
}

/// <summary>The change lifecycle: which action moves a change from which state to which.</summary>
public static class ChangeStateMachine
{
    static readonly Dictionary<ChangeAction, (ChangeState[] From, ChangeState To)> Transitions = new()
    {
        [ChangeAction.Announce] = ([ChangeState.Draft], ChangeState.Announced),
        [ChangeAction.Start] = ([ChangeState.Announced], ChangeState.InProgress),
        [ChangeAction.Pause] = ([ChangeState.InProgress], ChangeState.Paused),
        [ChangeAction.Resume] = ([ChangeState.Paused], ChangeState.InProgress),
        [ChangeAction.Complete] = ([ChangeState.InProgress], ChangeState.Completed),
        [ChangeAction.Review] = ([ChangeState.Completed, ChangeState.RolledBack], ChangeState.Reviewed),
        [ChangeAction.Cancel] = ([ChangeState.Draft, ChangeState.Announced, ChangeState.Paused], ChangeState.Cancelled),
        [ChangeAction.Rollback] = ([ChangeState.InProgress, ChangeState.Paused, ChangeState.Completed], ChangeState.RolledBack),
    };

    public static bool TryNext(ChangeState from, ChangeAction action, out ChangeState to)
    {
        var (sources, target) = Transitions[action];
        to = sources.Contains(from) ? target : from;
        return sources.Contains(from);
    }

    /// <summary>The refusal of an action the state does not allow: which state it is in and what it allows.</summary>
    public static ConflictException Refusal(string number, ChangeState state, ChangeAction action)
    {
        var allowed = AllowedFrom(state);
        return new ConflictException("invalid-transition",
            $"{number} is {EnumNames.Of(state)}: it cannot {EnumNames.Of(action)}. "
            + (allowed.Count == 0 ? "No further action is possible." : $"Allowed now: {string.Join(", ", allowed.Select(EnumNames.Of))}."))
        {
            Extensions = { ["currentState"] = EnumNames.Of(state), ["allowedActions"] = allowed.Select(EnumNames.Of).ToArray() },
        };
    }

    public static IReadOnlyList<ChangeAction> AllowedFrom(ChangeState state) =>
        Transitions.Where(t => t.Value.From.Contains(state)).Select(t => t.Key).ToList();

    public static bool IsTerminal(ChangeState state) => AllowedFrom(state).Count == 0;

    /// <summary>Editing the content of a change is allowed until it has ended.</summary>
    public static bool IsEditable(ChangeState state) =>
        state is ChangeState.Draft or ChangeState.Announced or ChangeState.InProgress or ChangeState.Paused;
}
