using ChangeDesk.Data;

namespace ChangeDesk.Signals;

/// <summary>
/// The support-request signal: per tenant, how many support requests its people filed against a release. The
/// rollout engine judges them per 1,000 devices the release has reached in that tenant.
/// </summary>
public sealed class SupportRequestSignal(ChangeDeskDb db)
{
    /// <summary>
    /// Support requests linked to the release, by tenant. ChangeDesk has no support requests yet, so no tenant has
    /// any; once they exist this counts those whose release is this one (all states, as a request that was
    /// resolved still reports a problem the release caused).
    /// </summary>
    public Task<IReadOnlyDictionary<Guid, long>> CountsAsync(Guid releaseId, CancellationToken ct)
    {
        _ = db;
        _ = releaseId;
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyDictionary<Guid, long>>(new Dictionary<Guid, long>());
    }
}
