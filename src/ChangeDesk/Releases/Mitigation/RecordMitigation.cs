using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Releases.Mitigation;

public sealed record ReleaseMitigationInput([property: MaxLength(InputBounds.Text)] string? Description, DateTimeOffset? AppliedAt);

/// <summary>Records the mitigation applied for an out-of-band release: it cannot start, and notify, before one is recorded.</summary>
public sealed class RecordMitigation(ChangeDeskDb db, CurrentUser user, ReleaseReader reader, TimeProvider clock)
{
    public async Task<ReleaseView> RunAsync(Guid id, string? description, DateTimeOffset? appliedAt, CancellationToken ct)
    {
        user.EnsureCanRunReleases();
        await db.WriteAsync("Record release mitigation", async () =>
        {
            var release = await db.ReleaseForWriteAsync(id, null, ct);
            var now = clock.GetUtcNow();
            EnsureEmergency(release, "A mitigation is recorded for an out-of-band (emergency) release");
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(description) || description.Trim().Length > 5000)
            {
                errors["description"] = ["Describe the mitigation that was applied (1 to 5,000 characters)."];
            }
            if (appliedAt > now)
            {
                errors["appliedAt"] = ["A mitigation is recorded once applied: appliedAt must not be in the future."];
            }
            if (errors.Count > 0)
            {
                throw new ValidationFailedException(errors);
            }
            ReleaseWrites.EnsureEditable(release, ReleaseAction.RecordMitigation, $"{release.Title} is {EnumNames.Of(release.State)}.");
            release.Mitigation = description!.Trim();
            release.MitigationAppliedAt = (appliedAt ?? now).ToUniversalTime();
            ReleaseWrites.Touch(release, now);
        }, ct);
        return await reader.GetAsync(id, ct);
    }

    internal static void EnsureEmergency(Release release, string rule)
    {
        if (!release.IsEmergency)
        {
            throw new RuleViolationException("not-emergency", "Emergency releases only.",
                $"{rule}; {release.Title} is a {ReleaseCommunications.KindName(release.Kind)} release.");
        }
    }
}
