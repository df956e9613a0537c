using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Audit;

/// <summary>An audit record as the API shows it; <c>Sequence</c> and <c>Hash</c> are null until the record is chained.</summary>
public sealed record AuditEntryView(
    long? Sequence, DateTimeOffset At, string Actor, Guid? ActorId, Guid? TenantId, int? ChangeId, string EntityType, string EntityId,
    string Action, string? Operation, string? Before, string? After, string? Hash);

public sealed class AuditTrail(ChangeDeskDb db, CurrentUser user)
{
    public async Task<IReadOnlyList<AuditEntryView>> ListAsync(int? changeId, long? afterSequence, int top, CancellationToken ct = default)
    {
        if (top is < 1 or > 1000)
        {
            throw ValidationFailedException.For("top", "Top must be between 1 and 1000.");
        }
        var query = db.AuditRecords.AsNoTracking();
        if (changeId is { } id)
        {
            // The change filter decides whether the caller may see the change at all.
            if (!await db.Changes.AnyAsync(c => c.Id == id, ct))
            {
                throw new NotFoundException("Change", id);
            }
            query = query.Where(r => r.ChangeId == id);
        }
        else if (!user.IsProvider)
        {
            query = query.Where(r => r.TenantId == user.TenantId);
        }
        if (afterSequence is { } after)
        {
            query = query.Where(r => r.Sequence > after);
        }
        else if (changeId is null)
        {
            // The trail pages in chain order, which only ever grows at its end: a record joins it once chained.
            query = query.Where(r => r.Sequence != null);
        }
        // A change's timeline also shows its newest records before they are chained, at its end.
        return await View(query.OrderBy(r => r.Sequence == null).ThenBy(r => r.Sequence).ThenBy(r => r.Id).Take(top)).ToListAsync(ct);
    }

    /// <summary>The records written last, chained or not, newest first.</summary>
    public async Task<IReadOnlyList<AuditEntryView>> LatestAsync(int count, CancellationToken ct = default) =>
        await View(db.AuditRecords.AsNoTracking().OrderByDescending(r => r.Id).Take(count)).ToListAsync(ct);

    static IQueryable<AuditEntryView> View(IQueryable<AuditRecord> records) =>
        records.Select(r => new AuditEntryView(r.Sequence, r.At, r.ActorName, r.ActorId, r.TenantId, r.ChangeId, r.EntityType, r.EntityId,
            r.Action, r.Operation, r.Before, r.After, r.Hash));

    /// <summary>
    /// Recomputes the whole chain in pages, so memory stays flat however long the trail is, and counts the records
    /// written but not chained yet, which the chain cannot vouch for until they are.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        var records = db.AuditRecords.IgnoreQueryFilters().AsNoTracking();
        var verifier = new AuditChain.Verifier();
        long after = 0;
        while (true)
        {
            var page = await records.Where(r => r.Sequence > after).OrderBy(r => r.Sequence).Take(1000).ToListAsync(ct);
            if (page.Any(r => !verifier.Accept(r)) || page.Count < 1000)
            {
                break;
            }
            after = page[^1].Sequence!.Value;
        }
        var pending = await records.Where(r => r.Sequence == null).GroupBy(_ => 1)
            .Select(g => new { Count = g.LongCount(), Oldest = g.Min(r => r.At) }).FirstOrDefaultAsync(ct);
        return verifier.Result with { PendingRecords = pending?.Count ?? 0, OldestPendingAt = pending?.Oldest };
    }
}

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization();
        group.MapGet("/", List).WithName("ListAudit")
            .WithSummary("Audit records in order. With changeId, the timeline of one change. Page with afterSequence.");
        group.MapGet("/verify", Verify).WithName("VerifyAudit").RequireAuthorization(Policies.ProviderAdmin)
            .WithSummary("Recompute the hash chain; reports the first edited, reordered or deleted record.");
        return app;
    }

    static async Task<Ok<IReadOnlyList<AuditEntryView>>> List(int? changeId, long? afterSequence, int? top, AuditTrail trail, CancellationToken ct) =>
        TypedResults.Ok(await trail.ListAsync(changeId, afterSequence, top ?? 200, ct));

    static async Task<Ok<AuditVerification>> Verify(AuditTrail trail, CancellationToken ct) => TypedResults.Ok(await trail.VerifyAsync(ct));
}
