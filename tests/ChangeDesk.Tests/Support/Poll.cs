using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Support;

/// <summary>
/// Waits for something the background jobs do, by checking every 50 ms up to a generous deadline in real
/// time (never a fixed sleep): a passing test returns as soon as the condition holds.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(45);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0} s waiting for {what ?? "the condition"}.");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Waits for a value that satisfies the condition and returns it.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        T value = default!;
        await UntilAsync(async () => condition(value = await read()), timeout, what);
        return value;
    }

    /// <summary>
    /// Lets service time pass while waiting: each check that fails moves the fake clock by <paramref name="step"/>,
    /// never beyond <paramref name="notAfter"/>. Background jobs sleep on the service clock and may start a sleep
    /// just after a jump, so letting time flow in steps (as real time would) wakes them whatever the interleaving.
    /// </summary>
    public static async Task WhileAdvancingAsync(
        FakeTimeProvider clock, TimeSpan step, Func<Task<bool>> condition, DateTimeOffset? notAfter = null, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0} s (service clock at {clock.GetUtcNow():O}) waiting for {what ?? "the condition"}.");
            }
            var next = clock.GetUtcNow() + step;
            if (notAfter is null || next <= notAfter)
            {
                clock.Advance(step);
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
