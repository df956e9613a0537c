using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

/// <summary>What the release writes share: loading the release to change, marking it changed, checking the changes it bundles.</summary>
public static class ReleaseWrites
{
    /// <summary>The release with its changes and targets, tracked; refused with 412 when If-Match names another version.</summary>
    public static async Task<Release> ReleaseForWriteAsync(this ChangeDeskDb db, Guid id, string? ifMatch, CancellationToken ct)
    {
        // Writers of one release take turns: deleting it waits for a schedule being posted, and then sees the post.
        await db.Releases.Where(r => r.Id == id).LockAsync(ct);
        var release = await db.Releases.Include(r => r.Changes).Include(r => r.Targets).AsSplitQuery().FirstOrDefaultAsync(r => r.Id == id, ct)
            ?? throw new NotFoundException("Release", id);
        EntityTags.CheckIfMatch(ifMatch, release.Version);
        return release;
    }

    /// <summary>
    /// A write a person made to the release: a new version even when only its rows beside it changed (a bundled
    /// change), which the save would not count on the release itself.
    /// </summary>
    public static void Touch(Release release, DateTimeOffset now)
    {
        release.Version++;
        release.UpdatedAt = now;
    }

    /// <summary>A release bundles the provider's own changes that can still ship; each one that cannot is named in <paramref name="errors"/>.</summary>
    public static async Task CheckChangesAsync(ChangeDeskDb db, List<int> ids, Dictionary<string, string[]> errors, string field, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }
        // Locked until the bundle commits, so a change cancelled at the same moment is either seen cancelled or waits.
        var found = await db.Changes.AsNoTracking().Where(c => ids.Contains(c.Id)).OrderBy(c => c.Id).ForUpdate()
            .Select(c => new { c.Id, c.OwnerTenantId, c.State }).ToListAsync(ct);
        for (var i = 0; i < ids.Count; i++)
        {
            var change = found.FirstOrDefault(c => c.Id == ids[i]);
            var problem = change is null ? $"There is no change {ids[i]}."
                : change.OwnerTenantId is not null ? $"CHG-{ids[i]} is a customer's own change: a release bundles the provider's changes."
                : change.State is ChangeState.Cancelled or ChangeState.RolledBack ? $"CHG-{ids[i]} is {EnumNames.Of(change.State)}: it cannot ship in a release."
                : null;
            if (problem is not null)
            {
                errors[$"{field}[{i}]"] = [problem];
            }
        }
    }

    /// <summary>Refuses (<c>409 not-editable</c>) to change the content of a release the lifecycle no longer lets change that way.</summary>
    public static void EnsureEditable(Release release, ReleaseAction action, string detail)
    {
        if (!release.Allows(action))
        {
            throw new ConflictException("not-editable", detail);
        }
    }
}
