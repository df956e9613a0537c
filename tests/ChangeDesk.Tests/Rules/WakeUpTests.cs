using ChangeDesk.Data;
using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Rules;

/// <summary>The nudge that wakes a background loop before its poll interval ends.</summary>
public sealed class WakeUpTests
{
    static readonly TimeSpan Poll = TimeSpan.FromHours(1);
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ANudgeBeforeTheWaitEndsItAtOnce()
    {
        var wakeUp = new WakeUp();
        wakeUp.Notify();

        // The clock never moves: only the nudge can end the wait.
        await wakeUp.WaitAsync(Poll, new FakeTimeProvider(), TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task NudgesWhileTheLoopIsBusyCollapseIntoOneWakeUp()
    {
        var wakeUp = new WakeUp();
        var clock = new FakeTimeProvider();
        wakeUp.Notify();
        wakeUp.Notify();
        wakeUp.Notify();
        await wakeUp.WaitAsync(Poll, clock, TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);

        var second = wakeUp.WaitAsync(Poll, clock, TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        clock.Advance(Poll);
        await second.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ANudgeEndsAWaitAlreadyUnderWay()
    {
        var wakeUp = new WakeUp();
        var waiting = wakeUp.WaitAsync(Poll, new FakeTimeProvider(), TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        wakeUp.Notify();

        await waiting.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StoppingEndsTheWaitWithCancellation()
    {
        var wakeUp = new WakeUp();
        using var stopping = new CancellationTokenSource();
        var waiting = wakeUp.WaitAsync(Poll, new FakeTimeProvider(), stopping.Token);

        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience, TestContext.Current.CancellationToken));
    }
}
