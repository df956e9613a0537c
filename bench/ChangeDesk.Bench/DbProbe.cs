using System.Data.Common;
using System.Diagnostics;
using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChangeDesk.Bench;

/// <summary>
/// Watches the service's database work from the outside: how many SQL commands ran, and when the last
/// transaction committed. Added to the service's DbContext options by the bench host only.
/// </summary>
public sealed class DbProbe : DbCommandInterceptor, IDbTransactionInterceptor
{
    long commands;
    long lastCommit;

    public long Commands => Interlocked.Read(ref commands);

    /// <summary>Stopwatch timestamp of the most recent commit.</summary>
    public long LastCommit => Interlocked.Read(ref lastCommit);

    public static void AddTo(IServiceCollection services, DbProbe probe)
    {
        services.ConfigureDbContext<SqliteChangeDeskDb>(o => o.AddInterceptors(probe));
        services.ConfigureDbContext<PostgresChangeDeskDb>(o => o.AddInterceptors(probe));
    }

    void Count() => Interlocked.Increment(ref commands);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Count();
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken ct = default)
    {
        Count();
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Count();
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        Count();
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Count();
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken ct = default)
    {
        Count();
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        Interlocked.Exchange(ref lastCommit, Stopwatch.GetTimestamp());

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken ct = default)
    {
        Interlocked.Exchange(ref lastCommit, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }
}
