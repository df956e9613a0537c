namespace ChangeDesk.Data;

/// <summary>
/// An in-process nudge for a background loop that otherwise waits out its poll interval: <see cref="Notify"/> ends
/// the current or next wait at once, and nudges that arrive while the loop is busy collapse into one. It reaches
/// this process only; the loops of other instances find the work on their next poll.
/// </summary>
public class WakeUp : IDisposable
{
    readonly SemaphoreSlim wake = new(0, 1);

    public void Dispose()
    {
        wake.Dispose();
        GC.SuppressFinalize(this);
    }

    public void Notify()
    {
        if (wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another thread was first: one wake-up is enough.
            }
        }
    }

    /// <summary>Waits for a nudge or the timeout (measured on the service's clock).</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await Task.WhenAny(Task.Delay(timeout, clock, timer.Token), wake.WaitAsync(timer.Token));
        await timer.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }
}
