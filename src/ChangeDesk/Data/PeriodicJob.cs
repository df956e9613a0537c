namespace ChangeDesk.Data;

/// <summary>
/// The loop of a background job that makes a pass over the database and then waits: a failed pass is logged and
/// the job carries on after the wait; stopping the host ends the loop.
/// </summary>
public static class PeriodicJob
{
    public static async Task RunAsync(
        Func<CancellationToken, Task> pass, Func<CancellationToken, Task> wait, ILogger logger, string name, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await pass(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "{Job} pass failed", name);
            }
            try
            {
                await wait(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The same loop for a job whose pass says how long to wait before the next (a sender sleeps until its next row is
    /// due); after a failed pass it waits <paramref name="afterFailure"/>.
    /// </summary>
    public static Task RunAsync(
        Func<CancellationToken, Task<TimeSpan>> pass, TimeSpan afterFailure, Func<TimeSpan, CancellationToken, Task> wait, ILogger logger, string name,
        CancellationToken stoppingToken)
    {
        var next = afterFailure;
        return RunAsync(async ct =>
        {
            next = afterFailure;
            next = await pass(ct);
        }, ct => wait(next, ct), logger, name, stoppingToken);
    }
}
