using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

public abstract partial class ChangeDeskDb
{
    /// <summary>How many times a write runs before a collision with concurrent writers is the caller's answer.</summary>
    public const int WriteAttempts = 5;

    string? writeOperation;

    /// <summary>
    /// Runs one use case's write: its reads, checks and changes in one transaction, every audit record it writes
    /// named <paramref name="operation"/>, saved and committed at the end. A write started inside another joins the
    /// outer transaction and commits with it. On failure nothing is committed and nothing the write tracked or queued
    /// stays behind for a later save in the same scope.
    /// <para>
    /// Writers do not wait for one another unless they lock the same rows. When a concurrent writer got there first (a
    /// unique key both inserted, a version both changed, a deadlock or serialization failure), the write is run again
    /// from the start, after a short random pause, on what that writer committed: as if the two had run one after the
    /// other. <paramref name="work"/> therefore loads what it changes itself, and does nothing outside the database.
    /// </para>
    /// </summary>
    public async Task<T> WriteAsync<T>(string operation, Func<Task<T>> work, CancellationToken ct)
    {
        var outer = writeOperation;
        writeOperation = operation;
        try
        {
            if (Database.CurrentTransaction is not null)
            {
                var joined = await work();
                await SaveChangesAsync(ct);
                return joined;
            }
            // Entities loaded before the write began would not be loaded again by another attempt, and changes the first
            // attempt made to them would be lost with the tracker: such a write is not tried again.
            var retriable = !TracksAnything();
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var transaction = await Database.BeginTransactionAsync(ct);
                    var result = await work();
                    await SaveChangesAsync(ct);
                    await transaction.CommitAsync(ct);
                    return result;
                }
                catch (Exception e) when (retriable && attempt < WriteAttempts && WriteCollision.IsCollision(e))
                {
                    Forget();
                    await Task.Delay(WriteCollision.Backoff(attempt), ct);
                }
            }
        }
        catch when (outer is null)
        {
            Forget();
            throw;
        }
        finally
        {
            writeOperation = outer;
        }
    }

    /// <inheritdoc cref="WriteAsync{T}"/>
    public Task WriteAsync(string operation, Func<Task> work, CancellationToken ct) =>
        WriteAsync(operation, async () => { await work(); return true; }, ct);

    bool TracksAnything()
    {
        var detect = ChangeTracker.AutoDetectChangesEnabled;
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return ChangeTracker.Entries().Any();
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    /// <summary>
    /// Raised when a write failed, or is about to be tried again: services of the scope that queued rows for it (the
    /// notifier's outbox rows) drop what they remember of them.
    /// </summary>
    public event Action? WriteAbandoned;

    /// <summary>Drops what a failed write tracked, queued or noted, so that nothing of it reaches a later save.</summary>
    void Forget()
    {
        WriteAbandoned?.Invoke();
        ChangeTracker.Clear();
        bulk.Clear();
        AuditOperation = null;
        AuditWritten = false;
        OutboxWritten = false;
    }
}

/// <summary>The failures that mean a concurrent writer got there first, and the pause before trying again.</summary>
public static class WriteCollision
{
    public static bool IsCollision(Exception e) => e switch
    {
        DbUpdateConcurrencyException => true,
        DbUpdateException update when Web.ProblemExceptionHandler.IsUniqueViolation(update) => true,
        _ => PostgresState(e) is Npgsql.PostgresErrorCodes.SerializationFailure or Npgsql.PostgresErrorCodes.DeadlockDetected,
    };

    static string? PostgresState(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.PostgresException pg)
            {
                return pg.SqlState;
            }
        }
        return null;
    }

    /// <summary>Grows with each attempt, with jitter so that two colliding writers do not collide again: 4–8 ms, then 8–16, 16–32, 32–64.</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds((2 << attempt) * (1 + Random.Shared.NextDouble()));
}
