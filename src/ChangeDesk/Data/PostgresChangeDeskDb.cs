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
    /// <summary>An arbitrary constant naming the audit chainers' lock among PostgreSQL advisory locks.</summary>
    internal const long AuditChainLock = 0x43_44_41_55_44_49_54; // "CDAUDIT"

    /// <summary>
    /// Chainers take turns by a transaction-scoped advisory lock, released at commit or rollback; the chain job does not
    /// wait for it, and leaves the work to the chainer that has it. Writers never take it.
    /// </summary>
    public override async Task<bool> LockAuditChainAsync(bool wait, CancellationToken ct)
    {
        if (wait)
        {
            await Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [AuditChainLock], ct);
            return true;
        }
        return await Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({AuditChainLock}) AS \"Value\"").SingleAsync(ct);
    }

    /// <summary>Numbers come from sequences: no writer waits for another, and a rolled-back write leaves a gap.</summary>
    public override async Task<int> NextNumberAsync(NumberSeries series, CancellationToken ct)
    {
        // The sequence's name is one of ours, never input: nextval takes it as a (regclass) value.
        var sequence = $"\"{SequenceOf(series)}\"";
        return await Database.SqlQuery<int>($"SELECT nextval({sequence}::regclass)::integer AS \"Value\"").SingleAsync(ct);
    }

    static string SequenceOf(NumberSeries series) => series switch
    {
        NumberSeries.Message => "MessageNumbers",
        NumberSeries.SupportRequest => "SupportRequestNumbers",
        _ => throw new ArgumentOutOfRangeException(nameof(series)),
    };

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        b.HasSequence<int>(SequenceOf(NumberSeries.Message)).StartsAt(NumberSeries.Message.First());
        b.HasSequence<int>(SequenceOf(NumberSeries.SupportRequest)).StartsAt(NumberSeries.SupportRequest.First());
        // A service-wide cell has no tenant: without NULLS NOT DISTINCT two first settings of it at once would both insert.
        b.Entity<Responsibility.ResponsibilityOverride>().HasIndex(o => new { o.TenantId, o.Activity, o.Scope }).AreNullsDistinct(false);
    }

    /// <summary>One statement gives every record of a batch its place in the chain.</summary>
    public override Task LinkAuditAsync(IReadOnlyList<Audit.AuditLink> links, DateTimeOffset chainedAt, CancellationToken ct) =>
        Database.ExecuteSqlRawAsync(
            """
            UPDATE "AuditRecords" AS r
            SET "Sequence" = l.sequence, "PreviousHash" = l.previous, "Hash" = l.hash, "ChainedAt" = @at
            FROM unnest(@ids, @sequences, @previous, @hashes) AS l(id, sequence, previous, hash)
            WHERE r."Id" = l.id
            """,
            [
                new NpgsqlParameter("at", chainedAt),
                new NpgsqlParameter("ids", links.Select(l => l.Id).ToArray()),
                new NpgsqlParameter("sequences", links.Select(l => l.Sequence).ToArray()),
                new NpgsqlParameter("previous", links.Select(l => l.PreviousHash).ToArray()),
                new NpgsqlParameter("hashes", links.Select(l => l.Hash).ToArray()),
            ], ct);

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
/// Makes a query marked <see cref="RowLocks.ForUpdate{T}"/> lock the rows it reads until the transaction ends, so a
/// writer that reads, decides and writes a row (a counter, an aggregate's state) waits for the writer before it
/// instead of overwriting its work.
/// </summary>
public sealed class PostgresRowLocks : DbCommandInterceptor
{
    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Mark(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken ct = default)
    {
        Mark(command);
        return ValueTask.FromResult(result);
    }

    static void Mark(DbCommand command)
    {
        if (command.CommandText.StartsWith(RowLocks.Tag, StringComparison.Ordinal))
        {
            command.CommandText = command.CommandText.TrimEnd().TrimEnd(';') + " FOR UPDATE";
        }
    }
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresChangeDeskDb>
{
    public PostgresChangeDeskDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresChangeDeskDb>().UseNpgsql("Host=localhost;Database=changedesk_design").Options,
            new CurrentUser(new HttpContextAccessor()), TimeProvider.System);
}
