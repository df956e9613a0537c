using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Releases.Edit;

/// <summary>
/// Replaces a release's content: before the start everything but its kind; once in progress only the title,
/// description and thresholds. The schedules already posted are revised to match.
/// </summary>
public sealed class UpdateRelease(
    ChangeDeskDb db, CurrentUser user, ReleaseContent content, ReleaseReader reader, TenantRollouts rollouts, RolloutWakeUp wakeUp, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(Guid id, ReleaseInput input, string? ifMatch, CancellationToken ct)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        user.EnsureCanRunReleases();
        await db.WriteAsync("Edit release", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, ifMatch, ct);
            var now = clock.GetUtcNow();
            ReleaseWrites.EnsureEditable(release, ReleaseAction.Edit, $"{release.Title} is {EnumNames.Of(release.State)} and can no longer be edited.");
            var errors = new Dictionary<string, string[]>();
            if (input.Kind is not null && (!EnumNames.TryParse<ReleaseKind>(input.Kind, out var kind) || kind != release.Kind))
            {
                errors["kind"] = [$"A release keeps its kind ({EnumNames.Of(release.Kind)}): create another release instead."];
            }
            var valid = await content.ValidateAsync(input with { ChangeIds = input.ChangeIds ?? release.Changes.Select(c => c.ChangeId).ToList() }, errors, ct);
            var plannedStart = (input.PlannedStart ?? release.PlannedStart).ToUniversalTime();
            if (release.State == ReleaseState.InProgress)
            {
                RefuseWhatAStartedReleaseKeeps(release, plannedStart, valid);
            }
            if (plannedStart != release.PlannedStart && release.Kind != ReleaseKind.OutOfBand)
            {
                content.CheckNotice(plannedStart, now);
            }
            release.PlannedStart = plannedStart;
            ReleaseContent.Apply(release, input, valid);
            release.Changes.RemoveAll(c => !valid.ChangeIds.Contains(c.ChangeId));
            foreach (var changeId in valid.ChangeIds.Where(c => release.Changes.All(x => x.ChangeId != c)))
            {
                release.Changes.Add(new ReleaseChange { ReleaseId = release.Id, ChangeId = changeId });
            }
            ReleaseWrites.Touch(release, now);
            if (release.State == ReleaseState.Scheduled)
            {
                await rollouts.SyncAsync(release, ct);
                await db.SaveChangesAsync(ct);
                await rollouts.ReviseSchedulesAsync(release, now, ct);
            }
        }, ct);
        wakeUp.Notify();
        return await reader.GetAsync(id, ct);
    }

    /// <summary>A release in progress keeps its start, its tenants and its changes: a request to change them is refused, naming each.</summary>
    static void RefuseWhatAStartedReleaseKeeps(Release release, DateTimeOffset plannedStart, ReleaseContent.Valid valid)
    {
        var locked = new Dictionary<string, string[]>();
        if (plannedStart != release.PlannedStart)
        {
            locked["plannedStart"] = ["The release has started: its start can no longer move."];
        }
        if (valid.TargetsAll != release.TargetsAllTenants || !valid.Targets.Order().SequenceEqual(release.Targets.Select(t => t.TenantId).Order()))
        {
            locked["targetTenantIds"] = ["The release has started: the tenants it reaches can no longer change."];
        }
        if (!valid.ChangeIds.Order().SequenceEqual(release.Changes.Select(c => c.ChangeId).Order()))
        {
            locked["changeIds"] = ["The release has started: its changes can no longer change."];
        }
        if (locked.Count > 0)
        {
            var refused = new ConflictException("not-editable", "The release is in progress: only its title, description and thresholds can change. "
                + string.Join(" ", locked.Select(l => $"{l.Key}: {l.Value[0]}")));
            foreach (var (field, messages) in locked)
            {
                refused.Errors[field] = messages;
            }
            throw refused;
        }
    }
}
