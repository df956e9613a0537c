using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Releases.Bundle;

/// <summary>Takes a change out of a scheduled release; the schedules already posted are revised without it.</summary>
public sealed class UnbundleChange(ChangeDeskDb db, CurrentUser user, ReleaseReader reader, TenantRollouts rollouts, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(Guid id, int changeId, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        await db.WriteAsync("Remove change from release", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, null, ct);
            ReleaseWrites.EnsureEditable(release, ReleaseAction.Bundle, BundleChanges.OnlyBeforeTheStart(release, "remove changes"));
            var link = release.Changes.FirstOrDefault(c => c.ChangeId == changeId) ?? throw new NotFoundException("Bundled change", changeId);
            release.Changes.Remove(link);
            var now = clock.GetUtcNow();
            ReleaseWrites.Touch(release, now);
            await db.SaveChangesAsync(ct);
            await rollouts.ReviseSchedulesAsync(release, now, ct);
        }, ct);
        return await reader.GetAsync(id, ct);
    }
}
