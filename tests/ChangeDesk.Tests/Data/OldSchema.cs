using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using NpgsqlTypes;

namespace ChangeDesk.Tests.Data;

/// <summary>A JSON document column (jsonb on PostgreSQL, text on SQLite).</summary>
sealed record JsonColumn(string Json);

/// <summary>
/// A database of the test's provider held at an older migration, written to with plain SQL as the ChangeDesk of that
/// migration stored its rows (SQLite: upper-case Guid text, UTC ticks, JSON lists; PostgreSQL: uuid, timestamptz,
/// arrays), because today's entity classes do not match the old tables.
/// </summary>
sealed class OldSchema : IAsyncDisposable
{
    readonly ChangeDeskDb db;
    readonly DbConnection connection;
    readonly bool postgres;

    OldSchema(ChangeDeskDb db, bool postgres)
    {
        this.db = db;
        this.postgres = postgres;
        connection = db.Database.GetDbConnection();
    }

    /// <summary>A context on the database a factory will use, before the factory starts (and migrates) it.</summary>
    public static async Task<OldSchema> OpenAsync(ChangeDeskFactory factory)
    {
        var connectionString = factory.DatabaseSettings["Database:ConnectionString"];
        var user = new CurrentUser(new HttpContextAccessor());
        ChangeDeskDb db;
        if (ChangeDeskFactory.OnPostgres)
        {
            db = new PostgresChangeDeskDb(new DbContextOptionsBuilder<PostgresChangeDeskDb>().UseNpgsql(connectionString).Options, user, TimeProvider.System);
        }
        else
        {
            Directory.CreateDirectory(factory.DataDirectory);
            db = new SqliteChangeDeskDb(new DbContextOptionsBuilder<SqliteChangeDeskDb>().UseSqlite(connectionString).Options, user, TimeProvider.System);
        }
        return new OldSchema(db, ChangeDeskFactory.OnPostgres);
    }

    /// <summary>The committed migrations, oldest first.</summary>
    public IReadOnlyList<string> Migrations => db.Database.GetMigrations().ToList();

    public Task MigrateToAsync(string migration) => db.GetService<IMigrator>().MigrateAsync(migration);

    async Task OpenAsync()
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }
    }

    public async Task<bool> HasTableAsync(string table) => await ScalarAsync<long>(postgres
        ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = @p0"
        : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @p0", table) > 0;

    public async Task<bool> HasTablesAsync(IEnumerable<string> tables)
    {
        foreach (var table in tables)
        {
            if (!await HasTableAsync(table))
            {
                return false;
            }
        }
        return true;
    }

    public async Task<bool> HasColumnAsync(string table, string column) => await ScalarAsync<long>(postgres
        ? "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @p0 AND column_name = @p1"
        : "SELECT count(*) FROM pragma_table_info(@p0) WHERE name = @p1", table, column) > 0;

    public Task<long> CountAsync(string table) => ScalarAsync<long>($"SELECT count(*) FROM \"{table}\"");

    /// <summary>Inserts one row; the properties of <paramref name="row"/> (or its keys, for a dictionary) name the columns.</summary>
    public async Task InsertAsync(string table, object row)
    {
        await OpenAsync();
        await using var command = InsertCommand(table, row, returning: null);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Inserts one row and returns the key the database generated for it.</summary>
    public async Task<int> InsertReturningIdAsync(string table, object row)
    {
        await OpenAsync();
        await using var command = InsertCommand(table, row, returning: "Id");
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    DbCommand InsertCommand(string table, object row, string? returning)
    {
        var columns = row as IReadOnlyDictionary<string, object?>
            ?? row.GetType().GetProperties().ToDictionary(p => p.Name, p => p.GetValue(row));
        var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Keys.Select(c => $"\"{c}\""))}) "
            + $"VALUES ({string.Join(", ", columns.Keys.Select((_, i) => $"@p{i}"))})"
            + (returning is null ? "" : $" RETURNING \"{returning}\"");
        foreach (var (value, i) in columns.Values.Select((v, i) => (v, i)))
        {
            command.Parameters.Add(Parameter(command, $"p{i}", value));
        }
        return command;
    }

    async Task<T> ScalarAsync<T>(string sql, params object[] values)
    {
        await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.Add(Parameter(command, $"p{i}", values[i]));
        }
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }

    DbParameter Parameter(DbCommand command, string name, object? value)
    {
        if (postgres && value is JsonColumn json)
        {
            return new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = json.Json };
        }
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = (postgres ? value : SqliteValue(value)) ?? DBNull.Value;
        return parameter;
    }

    static object? SqliteValue(object? value) => value switch
    {
        Guid g => g.ToString().ToUpperInvariant(),
        DateTimeOffset at => at.UtcTicks,
        TimeOnly t => t.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        JsonColumn json => json.Json,
        string[] or int[] => JsonSerializer.Serialize(value),
        _ => value,
    };

    public async ValueTask DisposeAsync()
    {
        await db.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        NpgsqlConnection.ClearAllPools();
    }
}
