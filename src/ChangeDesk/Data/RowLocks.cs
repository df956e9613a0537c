using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

/// <summary>Row locks for writes that read a row, decide on what they read and write it back.</summary>
public static class RowLocks
{
    /// <summary>How a locking query's SQL begins: the tag EF Core writes as a comment before the statement.</summary>
    internal const string Tag = "-- " + TagText;

    const string TagText = "ChangeDesk: FOR UPDATE";

    /// <summary>
    /// Locks the rows the query returns until the current transaction ends (PostgreSQL's SELECT … FOR UPDATE), so a
    /// concurrent writer of the same rows waits and then reads what this one committed. On SQLite every writer already
    /// holds the database's write lock. For plain queries of one entity type; order them by key, so that writers
    /// locking several rows take them in the same order.
    /// </summary>
    public static IQueryable<T> ForUpdate<T>(this IQueryable<T> query) => query.TagWith(TagText);

    /// <summary>
    /// Locks the rows until the current transaction ends without loading them: before a query that cannot lock
    /// itself (one that includes related rows), or to take turns on an aggregate's root row.
    /// </summary>
    public static async Task LockAsync<T>(this IQueryable<T> rows, CancellationToken ct) =>
        await rows.ForUpdate().Select(_ => 1).ToListAsync(ct);
}

/// <summary>Numbered things: each series counts on from its own first number.</summary>
public enum NumberSeries
{
    /// <summary>Message Center posts, MC100001 on.</summary>
    Message,

    /// <summary>Support requests, SR-1001 on.</summary>
    SupportRequest,
}

public static class NumberSeriesExtensions
{
    public static int First(this NumberSeries series) => series switch
    {
        NumberSeries.Message => 100001,
        NumberSeries.SupportRequest => 1001,
        _ => throw new ArgumentOutOfRangeException(nameof(series)),
    };
}

public abstract partial class ChangeDeskDb
{
    /// <summary>
    /// The next number of a series, unique across instances. Here, one past the highest stored or about to be saved,
    /// which is safe because an SQLite writer holds the database's write lock; PostgreSQL draws from a sequence.
    /// </summary>
    public virtual async Task<int> NextNumberAsync(NumberSeries series, CancellationToken ct)
    {
        var highest = series switch
        {
            NumberSeries.Message => Math.Max(
                await Messages.IgnoreQueryFilters().MaxAsync(m => (int?)m.Number, ct) ?? 0, Messages.Local.Select(m => m.Number).DefaultIfEmpty().Max()),
            NumberSeries.SupportRequest => Math.Max(
                await SupportRequests.IgnoreQueryFilters().MaxAsync(r => (int?)r.Number, ct) ?? 0, SupportRequests.Local.Select(r => r.Number).DefaultIfEmpty().Max()),
            _ => throw new ArgumentOutOfRangeException(nameof(series)),
        };
        return Math.Max(highest + 1, series.First());
    }
}
