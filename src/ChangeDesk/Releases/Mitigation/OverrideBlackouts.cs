using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Releases.Mitigation;

/// <summary>Lets an out-of-band release start rings inside blackout windows, recording why and who decided.</summary>
public sealed class OverrideBlackouts(ChangeDeskDb db, CurrentUser user, ReleaseReader reader, RolloutWakeUp wakeUp, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(Guid id, string? reason, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        await db.WriteAsync("Override blackout windows for an emergency release", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, null, ct);
            RecordMitigation.EnsureEmergency(release, "Only an out-of-band (emergency) release may start rings inside blackout windows");
            if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 1000)
            {
                throw ValidationFailedException.For("reason", "Record why the emergency cannot wait for the blackout windows (1 to 1,000 characters).");
            }
            ReleaseWrites.EnsureEditable(release, ReleaseAction.OverrideBlackouts, $"{release.Title} is {EnumNames.Of(release.State)}.");
            var now = clock.GetUtcNow();
            release.BlackoutOverrideReason = reason.Trim();
            release.BlackoutOverrideBy = user.Name;
            release.BlackoutOverrideAt = now;
            ReleaseWrites.Touch(release, now);
        }, ct);
        wakeUp.Notify();
        return await reader.GetAsync(id, ct);
    }
}
