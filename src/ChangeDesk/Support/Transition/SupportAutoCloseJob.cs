using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// Closes requests that have stayed resolved for <see cref="SupportOptions.AutoCloseDays"/> days without the
/// customer closing or reopening them, and tells the requester. Each close locks the request's row and checks it
/// again, so several instances never close (or mail about) the same request twice.
/// </summary>
public sealed class SupportAutoCloseJob(IServiceScopeFactory scopes, SupportOptions options, TimeProvider clock, ILogger<SupportAutoCloseJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.AutoCloseDays <= 0)
        {
            return;
        }
        await PeriodicJob.RunAsync(RunOnceAsync, ct => Task.Delay(options.PollInterval, clock, ct), logger, "Support request auto-close", stoppingToken);
    }

    /// <summary>Closes every request due; returns how many this pass closed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromDays(options.AutoCloseDays);
        List<Guid> due;
        using (var scope = scopes.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("support auto-close");
            due = await scope.ServiceProvider.GetRequiredService<ChangeDeskDb>().SupportRequests
                .Where(r => r.State == SupportState.Resolved && r.ResolvedAt != null && r.ResolvedAt <= cutoff)
                .OrderBy(r => r.ResolvedAt).Select(r => r.Id).ToListAsync(ct);
        }
        var closed = 0;
        foreach (var id in due)
        {
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("support auto-close");
            try
            {
                if (await scope.ServiceProvider.GetRequiredService<AutoCloseSupportRequest>().HandleAsync(id, ct))
                {
                    closed++;
                }
            }
            catch (DbUpdateException)
            {
                // Someone changed the request at the same moment (the customer reopened it): it is no longer due.
            }
        }
        return closed;
    }
}
