using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases.Cancel;

/// <summary>Cancels a scheduled or running release: every rollout not yet completed stops, and the tenants told of it read why.</summary>
public sealed class CancelRelease(ChangeDeskDb db, CurrentUser user, ReleaseReader reader, ReleaseCommunications comms, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(Guid id, string? reason, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 1000)
        {
            throw ValidationFailedException.For("reason", "Say why the release is cancelled (1 to 1,000 characters); tenants read it.");
        }
        await db.WriteAsync("Cancel release", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, null, ct);
            var now = clock.GetUtcNow();
            release.Cancel(reason.Trim(), now);
            ReleaseWrites.Touch(release, now);
            var rollouts = await db.TenantRollouts.IgnoreQueryFilters().Where(r => r.ReleaseId == id).ToListAsync(ct);
            foreach (var r in rollouts.Where(r => r.State != TenantRolloutState.Completed))
            {
                r.State = TenantRolloutState.Cancelled;
            }
            await comms.CancelledAsync(release, rollouts.Where(r => r.ScheduleMessageId != null || r.StartMessageId != null).Select(r => r.TenantId).ToList(), now, ct);
        }, ct);
        return await reader.GetAsync(id, ct);
    }
}
