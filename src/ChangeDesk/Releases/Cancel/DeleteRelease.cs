using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases.Cancel;

/// <summary>Deletes a scheduled release that nothing was posted about yet; one that tenants have heard of is cancelled instead, so its history stays.</summary>
public sealed class DeleteRelease(ChangeDeskDb db, CurrentUser user)
{
    public async Task RunAsync(Guid id, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        await db.WriteAsync("Delete release", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, null, ct);
            if (release.State != ReleaseState.Scheduled || await db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ReleaseId == id, ct))
            {
                throw new ConflictException("not-deletable",
                    $"{release.Title} has {(release.State == ReleaseState.Scheduled ? "been announced to tenants" : $"state {EnumNames.Of(release.State)}")}: cancel it instead, so its history stays.");
            }
            db.Releases.Remove(release);
        }, ct);
    }
}
