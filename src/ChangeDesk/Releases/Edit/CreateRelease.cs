using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Releases.Edit;

/// <summary>
/// Creates a release: a scheduled one (security or non-security) at least the schedule notice ahead, or an out-of-band
/// one for an emergency at any time (no planned start means now).
/// </summary>
public sealed class CreateRelease(
    ChangeDeskDb db, CurrentUser user, ReleaseContent content, ReleaseReader reader, TenantRollouts rollouts, RolloutWakeUp wakeUp, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(ReleaseInput input, CancellationToken ct)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        user.EnsureCanRunReleases();
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (!EnumNames.TryParse<ReleaseKind>(input.Kind, out var kind))
        {
            errors["kind"] = [$"Kind must be one of {EnumNames.List<ReleaseKind>()}."];
        }
        if (kind != ReleaseKind.OutOfBand && input.PlannedStart is null && !errors.ContainsKey("kind"))
        {
            errors["plannedStart"] = ["A scheduled release needs its planned start (an out-of-band release may leave it out to mean now)."];
        }
        var valid = await content.ValidateAsync(input, errors, ct);
        var plannedStart = (input.PlannedStart ?? now).ToUniversalTime();
        if (kind != ReleaseKind.OutOfBand)
        {
            content.CheckNotice(plannedStart, now);
        }
        var release = new Release
        {
            Title = valid.Title,
            Description = valid.Description,
            Kind = kind,
            PlannedStart = plannedStart,
            CreatedById = user.Id ?? Guid.Empty,
            CreatedAt = now,
            UpdatedAt = now,
        };
        ReleaseContent.Apply(release, input, valid);
        foreach (var changeId in valid.ChangeIds)
        {
            release.Changes.Add(new ReleaseChange { ReleaseId = release.Id, ChangeId = changeId });
        }
        await db.WriteAsync(kind == ReleaseKind.OutOfBand ? "Create out-of-band release" : "Create release", async () =>
        {
            db.Releases.Add(release);
            await rollouts.SyncAsync(release, ct);
        }, ct);
        wakeUp.Notify();
        return await reader.GetAsync(release.Id, ct);
    }
}
