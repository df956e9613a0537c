using ChangeDesk.Changes;
using ChangeDesk.Web;

namespace ChangeDesk.Tests.Rules;

/// <summary>The change entity guards its state: each step follows the lifecycle and raises its events once.</summary>
public sealed class ChangeLifecycleTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    static Change Draft() => new() { Title = "Settings move", TypeKey = ChangeTypeCatalog.Functionality, Subtype = "feature-update" };

    [Fact]
    public void AnnouncingRaisesTheTransitionThenTheAnnounceOnceAndRecordsTheNotice()
    {
        var change = Draft();

        change.Announce(Now);

        Assert.Equal((ChangeState.Announced, (DateTimeOffset?)Now, 2, Now), (change.State, change.AnnouncedAt, change.Version, change.UpdatedAt));
        Assert.Equal<object>(
            [new ChangeTransitioned(change, ChangeAction.Announce, ChangeState.Draft, ChangeState.Announced, 2, Now), new ChangeAnnounced(change, Now)],
            change.TakeEvents());
        Assert.Empty(change.TakeEvents());
    }

    [Fact]
    public void EachStepRaisesOneTransitionWithItsStatesAndVersion()
    {
        var change = Draft();
        change.Announce(Now);
        change.TakeEvents();

        change.Perform(ChangeAction.Start, Now.AddDays(1));
        change.Perform(ChangeAction.Pause, Now.AddDays(2));

        Assert.Equal(ChangeState.Paused, change.State);
        Assert.Equal<object>(
        [
            new ChangeTransitioned(change, ChangeAction.Start, ChangeState.Announced, ChangeState.InProgress, 3, Now.AddDays(1)),
            new ChangeTransitioned(change, ChangeAction.Pause, ChangeState.InProgress, ChangeState.Paused, 4, Now.AddDays(2)),
        ], change.TakeEvents());
    }

    [Fact]
    public void AStepTheStateDoesNotAllowIsRefusedAndChangesNothing()
    {
        var change = Draft();

        var refused = Assert.Throws<ConflictException>(() => change.Start(Now));

        Assert.Equal("invalid-transition", refused.Rule);
        Assert.Contains("Allowed now: announce, cancel.", refused.Message);
        Assert.Equal((ChangeState.Draft, 1, (DateTimeOffset?)null), (change.State, change.Version, change.AnnouncedAt));
        Assert.Empty(change.TakeEvents());
    }
}
