using ChangeDesk.Web;

namespace ChangeDesk.Releases;

/// <summary>What can be done to a release, in lifecycle order; the API spells them kebab-case ("record-mitigation").</summary>
public enum ReleaseAction
{
    Edit,
    Bundle,
    RecordMitigation,
    OverrideBlackouts,
    Start,
    Pause,
    Resume,
    Expedite,
    Complete,
    Cancel,
}

/// <summary>Who acts on a release.</summary>
public enum ReleaseActor
{
    /// <summary>Reads the releases that reach it, nothing more.</summary>
    Reader,

    /// <summary>A tenant's admin: pauses and resumes its own tenant's rollout.</summary>
    TenantAdmin,

    /// <summary>The provider's release managers and provider admins (and the service itself): run releases.</summary>
    Runner,
}

/// <summary>
/// The release lifecycle: which action is allowed from which state and where it leads (<c>scheduled</c> →
/// <c>in-progress</c> → <c>completed</c>, or <c>cancelled</c> from the first two; the other actions keep the state),
/// what the kind of release adds to that, and who may take each action. The allowed actions a release offers and the
/// refusal of any other come from here.
/// </summary>
public static class ReleaseStateMachine
{
    static readonly Dictionary<(ReleaseState From, ReleaseAction Action), ReleaseState> Transitions = new()
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

    /// <summary>Scheduled or in progress: the releases still to run, whose rings and blackout conflicts matter.</summary>
    public static readonly ReleaseState[] OpenStates = [ReleaseState.Scheduled, ReleaseState.InProgress];

    public static bool IsOpen(ReleaseState state) => OpenStates.Contains(state);

    /// <summary>The lifecycle alone: whether the action is allowed from the state, and the state it leads to.</summary>
    public static bool TryNext(ReleaseState from, ReleaseAction action, out ReleaseState to)
    {
        var allowed = Transitions.TryGetValue((from, action), out to);
        to = allowed ? to : from;
        return allowed;
    }

    /// <summary>
    /// The lifecycle and the kind: a mitigation and a blackout override are for out-of-band (emergency) releases only;
    /// a calendar release's rollout may be paused before it starts (it starts by itself), an out-of-band release's
    /// only once it runs, since a pause notifies the tenants, which an emergency release does first when it starts,
    /// after its mitigation.
    /// </summary>
    public static bool Allows(ReleaseState state, ReleaseKind kind, ReleaseAction action) =>
        TryNext(state, action, out _) && action switch
        {
            ReleaseAction.RecordMitigation or ReleaseAction.OverrideBlackouts => kind == ReleaseKind.OutOfBand,
            ReleaseAction.Pause or ReleaseAction.Resume => kind != ReleaseKind.OutOfBand || state == ReleaseState.InProgress,
            _ => true,
        };

    public static IReadOnlyList<ReleaseAction> AllowedFrom(ReleaseState state, ReleaseKind kind) =>
        Enum.GetValues<ReleaseAction>().Where(a => Allows(state, kind, a)).ToList();

    /// <summary>
    /// Runners take every action but completing, which the rollout engine does once every tenant's rollout has
    /// completed; a tenant admin pauses and resumes; readers take none.
    /// </summary>
    public static bool MayTake(ReleaseActor actor, ReleaseAction action) => action switch
    {
        ReleaseAction.Complete => false,
        ReleaseAction.Pause or ReleaseAction.Resume => actor is ReleaseActor.Runner or ReleaseActor.TenantAdmin,
        _ => actor == ReleaseActor.Runner,
    };

    /// <summary>The actions a person may take on a release now, in lifecycle order: what a release view offers.</summary>
    public static IReadOnlyList<ReleaseAction> OfferedTo(ReleaseActor actor, ReleaseState state, ReleaseKind kind) =>
        AllowedFrom(state, kind).Where(a => MayTake(actor, a)).ToList();

    /// <summary>
    /// The refusal of an action the lifecycle does not allow now: <c>409 invalid-transition</c> naming the current
    /// state and the allowed actions, as a change or a support request refuses one.
    /// </summary>
    public static ConflictException Refusal(string title, ReleaseState state, ReleaseKind kind, ReleaseAction action)
    {
        var allowed = AllowedFrom(state, kind);
        return new ConflictException("invalid-transition", $"{title} is {EnumNames.Of(state)}: {Rule(kind, action)} "
            + (allowed.Count == 0 ? "No further action is possible." : $"Allowed now: {string.Join(", ", allowed.Select(EnumNames.Of))}."))
        {
            Extensions = { ["currentState"] = EnumNames.Of(state), ["allowedActions"] = allowed.Select(EnumNames.Of).ToArray() },
        };
    }

    /// <summary>When the action is allowed for the kind of release, derived from the table: "a security release can start only while scheduled."</summary>
    static string Rule(ReleaseKind kind, ReleaseAction action)
    {
        var release = kind == ReleaseKind.OutOfBand ? "an out-of-band release" : $"a {EnumNames.Of(kind)} release";
        var states = Enum.GetValues<ReleaseState>().Where(s => Allows(s, kind, action)).Select(EnumNames.Of).ToList();
        return states.Count == 0 ? $"{release} cannot {Verb(action)}." : $"{release} can {Verb(action)} only while {string.Join(" or ", states)}.";
    }

    static string Verb(ReleaseAction action) => action switch
    {
        ReleaseAction.Edit => "be edited",
        ReleaseAction.Bundle => "bundle changes",
        ReleaseAction.RecordMitigation => "record a mitigation",
        ReleaseAction.OverrideBlackouts => "override blackout windows",
        ReleaseAction.Start => "start",
        ReleaseAction.Pause => "be paused",
        ReleaseAction.Resume => "be resumed",
        ReleaseAction.Expedite => "be expedited",
        ReleaseAction.Complete => "complete",
        _ => "be cancelled",
    };
}
