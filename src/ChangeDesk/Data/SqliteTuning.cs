using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChangeDesk.Data;

/// <summary>
/// Reads of a SQLite database through memory-mapped I/O (<see cref="DatabaseOptions.SqliteMmapSize"/>): a page already in
/// the operating system's cache is read without a system call, where SQLite's own page cache (2 MB per connection) holds
/// a small part of a large Message Center. Set once per physical connection; Microsoft.Data.Sqlite pools them.
/// </summary>
public sealed class SqliteTuning(long mmapSize) : DbConnectionInterceptor
{
    readonly ConditionalWeakTable<object, object> tuned = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Tune(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        Tune(connection);
        return Task.CompletedTask;
    }

    void Tune(DbConnection connection)
    {
        if (mmapSize <= 0 || connection is not SqliteConnection { Handle: { } handle } sqlite || tuned.TryGetValue(handle, out _))
        {
            return;
        }
        using var command = sqlite.CreateCommand();
        command.CommandText = $"PRAGMA mmap_size = {mmapSize}";
        command.ExecuteNonQuery();
        tuned.AddOrUpdate(handle, handle);
    }
}
