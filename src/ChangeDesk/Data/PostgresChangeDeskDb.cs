using System.Text.RegularExpressions;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace ChangeDesk.Data;

/// <summary>PostgreSQL, for several app instances on one database. Owns the migrations under Data/Migrations/Postgres.</summary>
public sealed partial class PostgresChangeDeskDb(DbContextOptions<PostgresChangeDeskDb> options, CurrentUser user, TimeProvider clock)
    : ChangeDeskDb(options, user, clock)
{
    /// <summary>An arbitrary constant naming ChangeDesk's write lock among PostgreSQL advisory locks.</summary>
    const long WriteLock = 0x43_44_41_55_44_49_54; // "CDAUDIT"

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

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresChangeDeskDb>
{
    public PostgresChangeDeskDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresChangeDeskDb>().UseNpgsql("Host=localhost;Database=changedesk_design").Options,
            new CurrentUser(new HttpContextAccessor()), TimeProvider.System);
}
