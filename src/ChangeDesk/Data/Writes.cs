using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

public abstract partial class ChangeDeskDb
{
    string? writeOperation;

    /// <summary>
    /// Runs one use case's write: its reads, checks and changes in one transaction, every audit record it writes
    /// named <paramref name="operation"/>, saved and committed at the end. A write started inside another joins the
    /// outer transaction and commits with it. On failure nothing is committed and nothing the write tracked or queued
    /// stays behind for a later save in the same scope.
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
            await using var transaction = await Database.BeginTransactionAsync(ct);
            var result = await work();
            await SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return result;
        }
        catch when (outer is null)
        {
            ChangeTracker.Clear();
            bulk.Clear();
            AuditOperation = null;
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
}
