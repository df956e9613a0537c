using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    public int BatchSize { get; set; } = 200;

    /// <summary>
    /// How long a claim holds its rows without a renewal: when a sender dies, this is how long its rows wait before
    /// another instance sends them. The instances' clocks must agree to well within <c>Lease - LeaseRenewal</c>.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often a sender renews the lease of the rows it still holds; at most a third of <see cref="Lease"/>.</summary>
    public TimeSpan LeaseRenewal { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);
    public int MaxAttempts { get; set; } = 8;
    public TimeSpan FirstRetry { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRetry { get; set; } = TimeSpan.FromHours(1);

    public OutboxOptions Validated()
    {
        if (BatchSize < 1)
        {
            throw new InvalidOperationException($"{Section}:BatchSize must be at least 1, not {BatchSize}.");
        }
        if (Lease < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"{Section}:Lease must be at least 00:00:01, not {Lease}.");
        }
        // Renewed three times a lease, a sender keeps its rows through two renewals that fail or come late.
        if (LeaseRenewal <= TimeSpan.Zero || LeaseRenewal > Lease / 3)
        {
            throw new InvalidOperationException($"{Section}:LeaseRenewal must be above zero and at most a third of {Section}:Lease ({Lease}), not {LeaseRenewal}.");
        }
        return this;
    }

    /// <summary>Exponential backoff with ±20 % jitter, so many failed rows do not retry in lockstep.</summary>
    public TimeSpan RetryDelay(int attempts, double random) =>
        TimeSpan.FromTicks((long)(Math.Min(FirstRetry.Ticks * Math.Pow(2, Math.Max(0, attempts - 1)), MaxRetry.Ticks) * (0.8 + 0.4 * random)));
}

/// <summary>
/// Claims and settles outbox rows through the database. A claim sets a lease owner with a conditional update,
/// so of several instances racing for a row exactly one gets it; an expired lease (a crashed sender) makes the
/// row claimable again.
/// </summary>
public sealed class OutboxStore(ChangeDeskDb db, TimeProvider clock, OutboxOptions options)
{
    /// <summary>
    /// Claims up to a batch of due rows in one statement: an UPDATE of the rows a subquery picks, returning them. On
    /// PostgreSQL the subquery locks its rows FOR UPDATE SKIP LOCKED, so concurrent claims take different rows instead of
    /// waiting for each other; SQLite runs one writer at a time, so the statement alone decides. Either way a row is
    /// claimable only while unleased or its lease has run out (a sender that died).
    /// </summary>
    public async Task<List<OutboxMessage>> ClaimAsync(string channel, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var owner = Guid.NewGuid().ToString("n");
        var until = now + options.Lease;
        var claimed = db.Database.IsNpgsql()
            ? await db.Outbox.FromSql($"""
                UPDATE "Outbox" SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                WHERE "Id" IN (
                    SELECT "Id" FROM "Outbox"
                    WHERE "Channel" = {channel} AND "SentAt" IS NULL AND "DeadAt" IS NULL AND "DueAt" <= {now}
                      AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now})
                    ORDER BY "DueAt", "Id" LIMIT {options.BatchSize}
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
                """).IgnoreQueryFilters().AsNoTracking().ToListAsync(ct)
            // SQLite stores instants as UTC ticks (see SqliteChangeDeskDb).
            : await db.Outbox.FromSql($"""
                UPDATE "Outbox" SET "LeaseOwner" = {owner}, "LeaseUntil" = {until.UtcTicks}
                WHERE "Id" IN (
                    SELECT "Id" FROM "Outbox"
                    WHERE "Channel" = {channel} AND "SentAt" IS NULL AND "DeadAt" IS NULL AND "DueAt" <= {now.UtcTicks}
                      AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now.UtcTicks})
                    ORDER BY "DueAt", "Id" LIMIT {options.BatchSize})
                RETURNING *
                """).IgnoreQueryFilters().AsNoTracking().ToListAsync(ct);
        // RETURNING gives no order: send in the claim's order.
        return claimed.OrderBy(o => o.DueAt).ThenBy(o => o.Id).ToList();
    }

    /// <summary>The bodies of claimed emails, by content id.</summary>
    public async Task<Dictionary<Guid, EmailContent>> ContentsAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : await db.EmailContents.AsNoTracking().Where(c => EF.Parameter(ids).Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);

    /// <summary>
    /// When the next row can be claimed, so a sender can sleep until then: when it falls due, or, while another sender
    /// holds it, when that lease runs out (the other sender died, or it renews and this is asked again then).
    /// </summary>
    public async Task<DateTimeOffset?> NextDueAsync(string channel, CancellationToken ct)
    {
        var pending = db.Outbox.Where(o => o.Channel == channel && o.SentAt == null && o.DeadAt == null);
        var due = await pending.Where(o => o.LeaseUntil == null).OrderBy(o => o.DueAt).Select(o => (DateTimeOffset?)o.DueAt).FirstOrDefaultAsync(ct);
        var leased = await pending.Where(o => o.LeaseUntil != null).OrderBy(o => o.LeaseUntil).Select(o => o.LeaseUntil).FirstOrDefaultAsync(ct);
        return due is null ? leased : leased is null || due <= leased ? due : leased;
    }

    /// <summary>
    /// Renews the lease of a claimed row just before it is sent, so the lease covers this one send rather than
    /// the whole batch. False when the row is no longer ours: the batch outlasted the lease and another sender
    /// has claimed it since; then it must not be sent here too.
    /// </summary>
    public async Task<bool> RenewAsync(OutboxMessage row, CancellationToken ct)
    {
        var until = clock.GetUtcNow() + options.Lease;
        var renewed = await db.Outbox.Where(o => o.Id == row.Id && o.LeaseOwner == row.LeaseOwner && o.SentAt == null && o.DeadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseUntil, until), ct) > 0;
        if (renewed)
        {
            row.LeaseUntil = until;
        }
        return renewed;
    }

    /// <summary>
    /// Renews, in one statement, the lease of the rows of a claim that are still held by it (not settled, not taken by
    /// another sender since); returns how many were renewed.
    /// </summary>
    public Task<int> RenewClaimAsync(string owner, IReadOnlyCollection<Guid> ids, DateTimeOffset until, CancellationToken ct) =>
        db.Outbox.Where(o => EF.Parameter(ids).Contains(o.Id) && o.LeaseOwner == owner && o.SentAt == null && o.DeadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseUntil, until), ct);

    /// <summary>Marks a row as sent, by its primary key; only while it is still leased by the claim that sent it.</summary>
    public Task MarkSentAsync(OutboxMessage row, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.Outbox.Where(o => o.Id == row.Id && o.LeaseOwner == row.LeaseOwner)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.SentAt, now).SetProperty(o => o.Attempts, row.Attempts + 1)
                .SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null), ct);
    }

    public Task MarkFailedAsync(OutboxMessage row, string error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var attempts = row.Attempts + 1;
        var dead = attempts >= options.MaxAttempts;
        var due = now + options.RetryDelay(attempts, Random.Shared.NextDouble());
        var message = error.Length > 1000 ? error[..1000] : error;
        return db.Outbox.Where(o => o.Id == row.Id && o.LeaseOwner == row.LeaseOwner)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Attempts, attempts).SetProperty(o => o.LastError, message)
                .SetProperty(o => o.DueAt, dead ? row.DueAt : due).SetProperty(o => o.DeadAt, dead ? now : null)
                .SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null), ct);
    }

    public Task MarkDeadAsync(OutboxMessage row, string error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.Outbox.Where(o => o.Id == row.Id && o.LeaseOwner == row.LeaseOwner)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.DeadAt, now).SetProperty(o => o.LastError, error)
                .SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null), ct);
    }

    /// <summary>Puts claimed rows back, due after a delay, without counting an attempt.</summary>
    public async Task DeferAsync(IEnumerable<OutboxMessage> rows, TimeSpan delay, string reason, CancellationToken ct)
    {
        var due = clock.GetUtcNow() + delay;
        var message = reason.Length > 1000 ? reason[..1000] : reason;
        foreach (var row in rows)
        {
            await db.Outbox.Where(o => o.Id == row.Id && o.LeaseOwner == row.LeaseOwner)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.DueAt, due).SetProperty(o => o.LastError, message)
                    .SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null), ct);
        }
    }

    /// <summary>Returns claimed rows that were not attempted, so any sender can take them now.</summary>
    public async Task ReleaseAsync(IEnumerable<OutboxMessage> rows, CancellationToken ct)
    {
        foreach (var row in rows)
        {
            await db.Outbox.Where(o => o.Id == row.Id && o.LeaseOwner == row.LeaseOwner)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null), ct);
        }
    }

    /// <summary>
    /// Gives a dead letter (or a waiting row) a fresh set of attempts, due now. A row a sender holds under a lease
    /// is left alone: clearing its lease would make the sender's MarkSent miss, and the row would be sent again.
    /// </summary>
    public async Task<bool> RetryAsync(Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return await db.Outbox.Where(o => o.Id == id && o.SentAt == null && (o.LeaseUntil == null || o.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.DeadAt, (DateTimeOffset?)null).SetProperty(o => o.Attempts, 0)
                .SetProperty(o => o.DueAt, now).SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null), ct) > 0;
    }
}

/// <summary>Wakes the senders as soon as a transaction that wrote outbox rows commits: each channel's sender has its own wake-up.</summary>
public sealed class OutboxWakeUp
{
    readonly Dictionary<string, WakeUp> channels = new()
    {
        [Channels.Email] = new(),
        [Channels.Webhook] = new(),
    };

    public void Notify()
    {
        foreach (var channel in channels.Values)
        {
            channel.Notify();
        }
    }

    /// <summary>Waits for a wake-up of the channel or the timeout (measured on the service's clock).</summary>
    public Task WaitAsync(string channel, TimeSpan timeout, TimeProvider clock, CancellationToken ct) => channels[channel].WaitAsync(timeout, clock, ct);
}
