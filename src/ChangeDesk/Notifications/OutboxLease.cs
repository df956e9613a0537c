using ChangeDesk.Tenancy;

namespace ChangeDesk.Notifications;

/// <summary>
/// Keeps the lease of a claimed batch alive while its sender works through it: every
/// <see cref="OutboxOptions.LeaseRenewal"/> the rows the sender still holds get a fresh <see cref="OutboxOptions.Lease"/>,
/// in one statement. The lease can then be short, so the rows of a sender that died are sent by another instance
/// within seconds, while a live sender keeps its batch however slow the server is. Every write that settles a row
/// (sent, failed, dead, deferred, released) goes through <see cref="SettleAsync"/>, which takes turns with the renewal,
/// so the renewal knows exactly which rows it should have found.
/// </summary>
public sealed class OutboxLease : IAsyncDisposable
{
    readonly IReadOnlyList<OutboxMessage> rows;
    readonly HashSet<Guid> settled = [];
    readonly HashSet<Guid> doubtful = [];
    readonly SemaphoreSlim turn = new(1, 1);
    readonly CancellationTokenSource stop = new();
    readonly OutboxOptions options;
    readonly TimeProvider clock;
    readonly ILogger logger;
    readonly string owner;
    readonly Task renewer;
    DateTimeOffset until;

    public OutboxLease(IReadOnlyList<OutboxMessage> rows, IServiceScopeFactory scopes, OutboxOptions options, TimeProvider clock, ILogger logger)
    {
        this.rows = rows;
        this.options = options;
        this.clock = clock;
        this.logger = logger;
        owner = rows.Count > 0 ? rows[0].LeaseOwner ?? "" : "";
        until = rows.Count > 0 ? rows.Min(r => r.LeaseUntil) ?? clock.GetUtcNow() : clock.GetUtcNow();
        renewer = Task.Run(() => RenewAsync(scopes));
    }

    /// <summary>
    /// Whether the row is still this sender's to send. Normally answered from memory: the last renewal found every row
    /// held and has more than half a lease left. Otherwise (a renewal failed, came late, or found rows taken by another
    /// sender) the row's own lease is renewed first, and a row another sender holds now is not to be sent here.
    /// </summary>
    public async Task<bool> HoldsAsync(OutboxMessage row, OutboxStore store)
    {
        await turn.WaitAsync(CancellationToken.None);
        try
        {
            if (!doubtful.Contains(row.Id) && until - clock.GetUtcNow() > options.Lease / 2)
            {
                return true;
            }
            if (!await store.RenewAsync(row, CancellationToken.None))
            {
                settled.Add(row.Id);
                return false;
            }
            doubtful.Remove(row.Id);
            return true;
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>Writes the outcome of rows (sent, failed, dead, deferred, released); they are no longer renewed.</summary>
    public async Task SettleAsync(IEnumerable<OutboxMessage> outcome, Func<Task> write)
    {
        await turn.WaitAsync(CancellationToken.None);
        try
        {
            await write();
            foreach (var row in outcome)
            {
                settled.Add(row.Id);
            }
        }
        finally
        {
            turn.Release();
        }
    }

    public Task SettleAsync(OutboxMessage row, Func<Task> write) => SettleAsync([row], write);

    async Task RenewAsync(IServiceScopeFactory scopes)
    {
        if (rows.Count == 0)
        {
            return;
        }
        using var scope = scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("outbox lease");
        var store = scope.ServiceProvider.GetRequiredService<OutboxStore>();
        while (true)
        {
            try
            {
                await Task.Delay(options.LeaseRenewal, clock, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await turn.WaitAsync(CancellationToken.None);
            try
            {
                var held = rows.Where(r => !settled.Contains(r.Id)).Select(r => r.Id).ToList();
                if (held.Count == 0)
                {
                    return;
                }
                var next = clock.GetUtcNow() + options.Lease;
                var renewed = await store.RenewClaimAsync(owner, held, next, CancellationToken.None);
                if (renewed == held.Count)
                {
                    until = next;
                }
                else
                {
                    // Some rows were taken by another sender (this one was stalled past its lease): which ones is
                    // found out row by row, before each would be sent.
                    logger.LogWarning("{Lost} of {Held} outbox rows of a claim are no longer held by it; each is checked before it is sent",
                        held.Count - renewed, held.Count);
                    doubtful.UnionWith(held);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The lease is not extended in memory either: once it is half gone, rows are renewed one by one.
                logger.LogWarning(e, "Renewing the lease of {Count} outbox rows failed", rows.Count - settled.Count);
            }
            finally
            {
                turn.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await renewer;
        stop.Dispose();
    }
}
