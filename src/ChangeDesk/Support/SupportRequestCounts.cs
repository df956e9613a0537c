using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// Per tenant, how many support requests its people filed against a release. The
/// rollout engine judges them per 1,000 devices the release has reached in that tenant.
/// </summary>
public sealed class SupportRequestCounts(ChangeDeskDb db)
{
    /// <summary>
    /// Support requests linked to the release, by tenant: every state counts, as a request that was resolved still
    /// reports a problem the release caused. Read across tenants, as the engine judges each one of them.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, long>> CountsAsync(Guid releaseId, CancellationToken ct) =>
        await db.SupportRequests.IgnoreQueryFilters().AsNoTracking()
            .Where(r => r.ReleaseId == releaseId)
            .GroupBy(r => r.TenantId)
            .Select(g => new { Tenant = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(x => x.Tenant, x => x.Count, ct);
}
