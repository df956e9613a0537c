using System.Data.Common;
using System.Text.RegularExpressions;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace ChangeDesk.Data;

/// <summary>PostgreSQL, for several app instances on one database. Owns the migrations under Data/Migrations/Postgres.</summary>
public sealed partial class PostgresChangeDeskDb(
    DbContextOptions<PostgresChangeDeskDb> options, CurrentUser user, TimeProvider clock, IServiceProvider? eventHandlers = null)
    : ChangeDeskDb(options, user, clock, eventHandlers)
{
    /// <summary>An arbitrary constant naming ChangeDesk's write lock among PostgreSQL advisory locks.</summary>
    internal const long WriteLock = 0x43_44_41_55_44_49_54; // "CDAUDIT"

    /// <summary>
    /// Appends to the audit chain (and numbering of messages) are serialised across instances by a transaction-scoped
    /// advisory lock, released at commit or rollback.
    /// </summary>
    public override Task LockWritesAsync(CancellationToken ct) =>
        Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [WriteLock], ct);

    /// <summary>Bulk rows go in by binary COPY, in the current transaction.</summary>
    protected override async Task WriteBulkAsync(BulkTable table, CancellationToken ct)
    {
        if (table.Rows.Count == 0)
        {
            return;
        }
        var connection = (NpgsqlConnection)Database.GetDbConnection();
        var types = table.Columns.Select(c => StoreTypeName().Replace(c.Mapping.StoreType, "")).ToArray();
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {table.Table(this)} ({table.ColumnList(this)}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in table.Rows)
        {
            await importer.StartRowAsync(ct);
            for (var i = 0; i < types.Length; i++)
            {
                if (table.Columns[i].ProviderValue(row) is { } value)
                {
                    await importer.WriteAsync(value, types[i], ct);
                }
                else
                {
                    await importer.WriteNullAsync(ct);
                }
            }
        }
        await importer.CompleteAsync(ct);
    }

    /// <summary>The length or precision of a store type ("character varying(200)"), which COPY's type names leave out.</summary>
    [GeneratedRegex(@"\(\d+(,\s*\d+)?\)")]
    private static partial Regex StoreTypeName();
}

/// <summary>
/// Every transaction on PostgreSQL first takes ChangeDesk's write lock, as every SQLite transaction (BEGIN IMMEDIATE)
/// takes the database's. A writer that checks and then inserts (a pause that must not exist twice, a ring started once,
/// an email queued once per key) then sees what the writer before it committed, on any instance, instead of both reading
/// the old state and one of them failing on a unique key. Reads outside transactions, which are most of the traffic
/// (the Message Center, the API's GETs, the outbox claims), stay concurrent. A save of one row needs no transaction
/// and takes no lock: ASP.NET Core's save of a new data-protection key, made from inside whatever call first needed
/// the key (a signed approval link queued in an announce's transaction), does not wait for that very transaction.
/// </summary>
public sealed class PostgresWriteSerializer : DbTransactionInterceptor
{
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        using var command = Lock(connection, result);
        command.ExecuteNonQuery();
        return result;
    }

    public override async ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken ct = default)
    {
        await using var command = Lock(connection, result);
        await command.ExecuteNonQueryAsync(ct);
        return result;
    }

    static DbCommand Lock(DbConnection connection, DbTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({PostgresChangeDeskDb.WriteLock})";
        return command;
    }
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresChangeDeskDb>
{
    public PostgresChangeDeskDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresChangeDeskDb>().UseNpgsql("Host=localhost;Database=changedesk_design").Options,
            new CurrentUser(new HttpContextAccessor()), TimeProvider.System);
}
