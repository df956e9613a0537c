using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace ChangeDesk.Bench;

/// <summary>A column of a bulk write and how its CLR value becomes the value the provider stores.</summary>
public sealed record BulkColumn(string Name, Func<object, object?> Value, RelationalTypeMapping? Mapping, NpgsqlDbType? PgType = null);

/// <summary>
/// Rows of one table, written without Entity Framework's change tracker: the seeding of every scenario and the
/// raw-insert baseline of the fan-out. Values go through EF Core's own type mappings (value converters, Guid and
/// date storage), so the rows are the ones the service itself would write and reads back.
/// </summary>
public sealed class BulkRows
{
    public required string Table { get; init; }
    public required IReadOnlyList<BulkColumn> Columns { get; init; }
    public List<object> Items { get; } = [];

    public static BulkRows For<T>(DbContext db, IEnumerable<T> items, params BulkColumn[] extra) where T : class
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity.");
        var table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        var columns = new List<BulkColumn>();
        foreach (var property in entity.GetProperties())
        {
            var info = property.PropertyInfo ?? throw new InvalidOperationException($"{typeof(T).Name}.{property.Name} is a shadow property.");
            var mapping = property.GetRelationalTypeMapping();
            var converter = mapping.Converter;
            columns.Add(new BulkColumn(property.GetColumnName(store)!, o =>
            {
                var value = info.GetValue(o);
                return value is null || converter is null ? value : converter.ConvertToProvider(value);
            }, mapping));
        }
        columns.AddRange(extra);
        var rows = new BulkRows { Table = table, Columns = columns };
        rows.Items.AddRange(items);
        return rows;
    }

    /// <summary>Writes the rows in the connection's current transaction: binary COPY on PostgreSQL, prepared multi-row INSERTs otherwise.</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction? transaction, bool copyOnPostgres = true, bool sqliteApi = false)
    {
        if (connection is NpgsqlConnection npgsql && copyOnPostgres)
        {
            await CopyAsync(npgsql);
            return;
        }
        if (connection is SqliteConnection sqlite && sqliteApi)
        {
            InsertThroughSqliteApi(sqlite);
            return;
        }
        await InsertAsync(connection, transaction);
    }

    /// <summary>
    /// One statement prepared with SQLite's own API and bound by position, executed per row: the fastest way rows go
    /// into SQLite one at a time, without ADO.NET's per-execution parameter lookup by name and data reader.
    /// </summary>
    void InsertThroughSqliteApi(SqliteConnection connection)
    {
        var handle = connection.Handle!;
        var sql = $"INSERT INTO {Quote(Table)} ({string.Join(", ", Columns.Select(c => Quote(c.Name)))}) VALUES ({string.Join(", ", Columns.Select((_, i) => $"?{i + 1}"))})";
        Ok(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
        using (statement)
        {
            foreach (var item in Items)
            {
                for (var i = 0; i < Columns.Count; i++)
                {
                    Ok(handle, Columns[i].Value(item) switch
                    {
                        null => raw.sqlite3_bind_null(statement, i + 1),
                        string text => raw.sqlite3_bind_text(statement, i + 1, text),
                        long n => raw.sqlite3_bind_int64(statement, i + 1, n),
                        int n => raw.sqlite3_bind_int64(statement, i + 1, n),
                        bool b => raw.sqlite3_bind_int64(statement, i + 1, b ? 1 : 0),
                        double d => raw.sqlite3_bind_double(statement, i + 1, d),
                        Guid g => raw.sqlite3_bind_text(statement, i + 1, g.ToString().ToUpperInvariant()),
                        var other => throw new NotSupportedException($"No SQLite binding for {other.GetType().Name}."),
                    });
                }
                if (raw.sqlite3_step(statement) is var done && done != raw.SQLITE_DONE)
                {
                    Ok(handle, done);
                }
                raw.sqlite3_reset(statement);
            }
        }
    }

    static void Ok(SQLitePCL.sqlite3 handle, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, handle);
        }
    }

    async Task CopyAsync(NpgsqlConnection connection)
    {
        var names = string.Join(", ", Columns.Select(c => Quote(c.Name)));
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {Quote(Table)} ({names}) FROM STDIN (FORMAT BINARY)");
        foreach (var item in Items)
        {
            await importer.StartRowAsync();
            foreach (var column in Columns)
            {
                var value = column.Value(item);
                if (value is null)
                {
                    await importer.WriteNullAsync();
                }
                else
                {
                    await importer.WriteAsync(value, column.PgType ?? PgTypeOf(value));
                }
            }
        }
        await importer.CompleteAsync();
    }

    static NpgsqlDbType PgTypeOf(object value) => value switch
    {
        Guid => NpgsqlDbType.Uuid,
        string => NpgsqlDbType.Text,
        int => NpgsqlDbType.Integer,
        long => NpgsqlDbType.Bigint,
        bool => NpgsqlDbType.Boolean,
        DateTimeOffset => NpgsqlDbType.TimestampTz,
        TimeOnly => NpgsqlDbType.Time,
        double => NpgsqlDbType.Double,
        IEnumerable<string> => NpgsqlDbType.Array | NpgsqlDbType.Text,
        _ => throw new NotSupportedException($"No PostgreSQL type for {value.GetType().Name}."),
    };

    async Task InsertAsync(DbConnection connection, DbTransaction? transaction)
    {
        var perStatement = RowsPerStatement(connection);
        DbCommand? full = null;
        try
        {
            for (var start = 0; start < Items.Count; start += perStatement)
            {
                var count = Math.Min(perStatement, Items.Count - start);
                DbCommand command;
                if (count == perStatement)
                {
                    command = full ??= await PrepareAsync(connection, transaction, perStatement);
                }
                else
                {
                    command = await PrepareAsync(connection, transaction, count);
                }
                var p = 0;
                for (var i = start; i < start + count; i++)
                {
                    foreach (var column in Columns)
                    {
                        command.Parameters[p++].Value = column.Value(Items[i]) ?? DBNull.Value;
                    }
                }
                await command.ExecuteNonQueryAsync();
                if (command != full)
                {
                    await command.DisposeAsync();
                }
            }
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// SQLite binds each parameter by a linear search of the statement's names, so a long multi-row statement costs
    /// quadratic time: one prepared single-row statement, re-executed, is fastest there. PostgreSQL takes up to 65,535
    /// parameters per statement.
    /// </summary>
    int RowsPerStatement(DbConnection connection) =>
        Environment.GetEnvironmentVariable("BENCH_ROWS_PER_STATEMENT") is { } v ? int.Parse(v, CultureInfo.InvariantCulture)
        : connection is NpgsqlConnection ? Math.Max(1, Math.Min(500, 30_000 / Columns.Count))
        : 1;

    async Task<DbCommand> PrepareAsync(DbConnection connection, DbTransaction? transaction, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var values = new List<string>(rows);
        for (var r = 0; r < rows; r++)
        {
            var names = new List<string>(Columns.Count);
            for (var c = 0; c < Columns.Count; c++)
            {
                var name = $"@p{r}_{c}";
                names.Add(name);
                var column = Columns[c];
                var parameter = column.Mapping is { } mapping ? mapping.CreateParameter(command, name, null, nullable: true) : command.CreateParameter();
                parameter.ParameterName = name;
                if (column.PgType is { } pg && parameter is NpgsqlParameter npgsql)
                {
                    npgsql.NpgsqlDbType = pg;
                }
                command.Parameters.Add(parameter);
            }
            values.Add("(" + string.Join(", ", names) + ")");
        }
        command.CommandText = $"INSERT INTO {Quote(Table)} ({string.Join(", ", Columns.Select(c => Quote(c.Name)))}) VALUES {string.Join(", ", values)}";
        await command.PrepareAsync();
        return command;
    }

    static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
}

/// <summary>Writes several tables in one transaction and reports how long it took.</summary>
public static class Bulk
{
    public static async Task<TimeSpan> WriteAsync(DbContext db, IEnumerable<BulkRows> tables, bool copyOnPostgres = true, bool sqliteApi = false)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }
        var watch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var table in tables)
        {
            await table.WriteAsync(connection, transaction, copyOnPostgres, sqliteApi);
        }
        var beforeCommit = watch.Elapsed;
        await transaction.CommitAsync();
        if (Environment.GetEnvironmentVariable("BENCH_DEBUG") is not null)
        {
            Console.WriteLine($"  bulk: writes {beforeCommit.TotalMilliseconds:0} ms, commit {(watch.Elapsed - beforeCommit).TotalMilliseconds:0} ms");
        }
        return watch.Elapsed;
    }
}
