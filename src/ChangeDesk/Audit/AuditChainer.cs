using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Audit;

/// <summary>A record's place in the chain, as the chainer gives it.</summary>
public sealed record AuditLink(long Id, long Sequence, string PreviousHash, string Hash);

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>
    /// How often an instance looks for records to chain that another instance wrote; its own writes wake it at once.
    /// The longest a committed record waits to be chained is about this.
    /// </summary>
    public TimeSpan ChainInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Records linked per chainer transaction.</summary>
    public int ChainBatchSize { get; set; } = 2000;

    public AuditOptions Validated() =>
        ChainInterval <= TimeSpan.Zero ? throw new InvalidOperationException("Audit:ChainInterval must be positive.")
        : ChainBatchSize is < 1 or > 50_000 ? throw new InvalidOperationException("Audit:ChainBatchSize must be between 1 and 50000.")
        : this;
}

/// <summary>
/// Links committed audit records into the hash chain, in the order it finds them: each gets the next sequence number
/// and the hash of its content and of its predecessor's hash. Writers append records unchained and never read the
/// chain's head, so they do not wait for one another. Chainers take turns on the chain lock across every instance
/// (the chain job never queues for it), and a chainer's transaction touches only records already committed.
/// </summary>
public sealed class AuditChainer(ChangeDeskDb db, TimeProvider clock, AuditOptions options)
{
    /// <summary>
    /// Chains every record committed so far; returns how many it linked. Without <paramref name="wait"/> (the chain
    /// job), a chainer that finds another one at work leaves the records to it instead of queueing behind it.
    /// </summary>
    public async Task<int> ChainAllAsync(bool wait = true, CancellationToken ct = default)
    {
        var total = 0;
        int linked;
        do
        {
            linked = await ChainBatchAsync(wait, ct);
            total += linked;
        }
        while (linked == options.ChainBatchSize);
        return total;
    }

    async Task<int> ChainBatchAsync(bool wait, CancellationToken ct)
    {
        // A look before the lock: an idle chainer, polling, never takes a writer's place (on SQLite, the one writer).
        if (!await db.AuditRecords.IgnoreQueryFilters().AnyAsync(r => r.Sequence == null, ct))
        {
            return 0;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await db.LockAuditChainAsync(wait, ct))
        {
            // Another chainer is linking what is committed; what it misses, the next wake-up or poll links.
            return 0;
        }
        var records = db.AuditRecords.IgnoreQueryFilters().AsNoTracking();
        var batch = await records.Where(r => r.Sequence == null).OrderBy(r => r.Id).Take(options.ChainBatchSize).ToListAsync(ct);
        if (batch.Count == 0)
        {
            return 0;
        }
        var head = await records.Where(r => r.Sequence != null).OrderByDescending(r => r.Sequence)
            .Select(r => new { r.Sequence, r.Hash }).FirstOrDefaultAsync(ct);
        var sequence = head?.Sequence ?? 0;
        var previous = head?.Hash ?? AuditChain.GenesisHash;
        var links = new List<AuditLink>(batch.Count);
        foreach (var record in batch)
        {
            record.Sequence = ++sequence;
            record.PreviousHash = previous;
            previous = AuditChain.ComputeHash(record);
            links.Add(new AuditLink(record.Id, sequence, record.PreviousHash, previous));
        }
        await db.LinkAuditAsync(links, AuditChain.Normalize(clock.GetUtcNow()), ct);
        await transaction.CommitAsync(ct);
        return batch.Count;
    }
}

/// <summary>Nudges this instance's chainer when a write that recorded audit records commits.</summary>
public sealed class AuditChainWakeUp : WakeUp;

/// <summary>Chains audit records as they are committed: woken by this instance's writes, polling for other instances'.</summary>
public sealed class AuditChainJob(
    IServiceScopeFactory scopes, AuditChainWakeUp wakeUp, AuditOptions options, TimeProvider clock, ILogger<AuditChainJob> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicJob.RunAsync(async ct =>
        {
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<Tenancy.CurrentUser>().ActAsSystem("audit chain");
            await scope.ServiceProvider.GetRequiredService<AuditChainer>().ChainAllAsync(wait: false, ct);
        }, ct => wakeUp.WaitAsync(options.ChainInterval, clock, ct), logger, "Audit chain", stoppingToken);
}
