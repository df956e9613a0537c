using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Releases.Bundle;

public sealed record ChangeIdsInput([property: MaxLength(InputBounds.ManyItems)] List<int>? ChangeIds);

/// <summary>Adds provider changes to a scheduled release; the schedules already posted are revised to list them.</summary>
public sealed class BundleChanges(ChangeDeskDb db, CurrentUser user, ReleaseReader reader, TenantRollouts rollouts, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(Guid id, List<int>? changeIds, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        await db.WriteAsync("Bundle changes in release", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, null, ct);
            ReleaseWrites.EnsureEditable(release, ReleaseAction.Bundle, OnlyBeforeTheStart(release, "bundle changes"));
            var ids = (changeIds ?? []).Distinct().ToList();
            var errors = new Dictionary<string, string[]>();
            if (ids.Count == 0)
            {
                errors["changeIds"] = ["Give the ids of the changes to bundle."];
            }
            await ReleaseWrites.CheckChangesAsync(db, ids, errors, "changeIds", ct);
            if (errors.Count > 0)
            {
                throw new ValidationFailedException(errors);
            }
            foreach (var changeId in ids.Where(c => release.Changes.All(x => x.ChangeId != c)))
            {
                release.Changes.Add(new ReleaseChange { ReleaseId = release.Id, ChangeId = changeId });
            }
            var now = clock.GetUtcNow();
            ReleaseWrites.Touch(release, now);
            await db.SaveChangesAsync(ct);
            await rollouts.ReviseSchedulesAsync(release, now, ct);
        }, ct);
        return await reader.GetAsync(id, ct);
    }

    internal static string OnlyBeforeTheStart(Release release, string what) =>
        $"{release.Title} is {EnumNames.Of(release.State)}: you can {what} only before it starts.";
}
