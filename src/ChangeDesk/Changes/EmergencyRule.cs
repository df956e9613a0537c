using ChangeDesk.Web;

namespace ChangeDesk.Changes;

/// <summary>
/// The seed's emergency rule, for emergency changes and out-of-band releases alike: an emergency skips the notice
/// period, but the tenants hear of it only once a mitigation has been applied. Announcing the change, or starting the
/// release, is what notifies them, so it is refused until a mitigation applied at or before now is recorded.
/// </summary>
public static class EmergencyRule
{
    public const string Rule = "mitigation-first";

    public static bool IsSatisfied(bool isEmergency, IEnumerable<DateTimeOffset> mitigationsAppliedAt, DateTimeOffset now) =>
        !isEmergency || mitigationsAppliedAt.Any(at => at <= now);

    /// <summary>Refuses (<c>422 mitigation-first</c>) to notify about an emergency that has no mitigation applied yet.</summary>
    public static void Enforce(bool isEmergency, IEnumerable<DateTimeOffset> mitigationsAppliedAt, DateTimeOffset now, EmergencySubject subject)
    {
        if (!IsSatisfied(isEmergency, mitigationsAppliedAt, now))
        {
            throw Violation(subject);
        }
    }

    public static RuleViolationException Violation(EmergencySubject subject) =>
        new(Rule, "Apply a mitigation before notifying.",
            $"{subject.Name} is an emergency {subject.Noun}: record the mitigation you applied ({subject.RecordWith}) before {subject.Notifying}.");
}

/// <summary>What an emergency refusal is about, as its detail names it: the subject, where its mitigation is recorded, and the step that notifies.</summary>
public sealed record EmergencySubject(string Name, string Noun, string RecordWith, string Notifying)
{
    public static EmergencySubject Change(string number, int id) =>
        new(number, "change", $"POST /api/changes/{id}/mitigations", "announcing it");

    public static EmergencySubject Release(string title, Guid id) =>
        new(title, "release", $"POST /api/releases/{id}/mitigation", "starting it, which notifies every tenant");
}
