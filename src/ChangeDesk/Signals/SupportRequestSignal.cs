namespace ChangeDesk.Signals;

/// <summary>
/// The support-request signal: per tenant, how many support requests its people filed against a release. The
/// rollout engine judges them per 1,000 devices the release has reached in that tenant.
/// </summary>
public sealed class SupportRequestSignal
{
    static readonly IReadOnlyDictionary<Guid, long> None = new Dictionary<Guid, long>();

    /// <summary>
    /// Support requests linked to the release, by tenant (all states: a resolved request still reports a problem the
    /// release caused). ChangeDesk has no support requests yet, so every tenant has none; this is where they are
    /// counted once they exist.
    /// </summary>
    public Task<IReadOnlyDictionary<Guid, long>> CountsAsync(Guid releaseId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(None);
    }
}
