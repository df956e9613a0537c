using ChangeDesk.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using SQLitePCL;

namespace ChangeDesk.Data;

/// <summary>The embedded default: one SQLite file. Owns the migrations under Data/Migrations/Sqlite.</summary>
public sealed class SqliteChangeDeskDb(
    DbContextOptions<SqliteChangeDeskDb> options, CurrentUser user, TimeProvider clock, IServiceProvider? eventHandlers = null)
    : ChangeDeskDb(options, user, clock, eventHandlers)
{
    /// <summary>
    /// Bulk rows go in through one statement prepared on the connection's own SQLite handle and bound by position:
    /// ADO.NET looks each parameter up by name and builds a data reader per execution, which cost as much as the
    /// inserts themselves for the tens of thousands of rows of an announce. Values are the provider values EF Core
    /// stores (its converters applied), so the rows read back as if EF Core had written them.
    /// </summary>
    protected override Task WriteBulkAsync(BulkTable table, CancellationToken ct)
    {
        if (table.Rows.Count == 0)
        {
            return Task.CompletedTask;
        }
        var connection = (SqliteConnection)Database.GetDbConnection();
        var handle = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        var sql = $"INSERT INTO {table.Table(this)} ({table.ColumnList(this)}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"?{i + 1}"))})";
        Check(handle, raw.sqlite3_prepare_v2(handle, sql, out var statement));
        using (statement)
        {
            foreach (var row in table.Rows)
            {
                ct.ThrowIfCancellationRequested();
                for (var i = 0; i < table.Columns.Count; i++)
                {
                    Check(handle, Bind(statement, i + 1, table.Columns[i].ProviderValue(row)));
                }
                var done = raw.sqlite3_step(statement);
                if (done != raw.SQLITE_DONE)
                {
                    Check(handle, done);
                }
                raw.sqlite3_reset(statement);
            }
        }
        return Task.CompletedTask;
    }

    static int Bind(sqlite3_stmt statement, int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(statement, index),
        string text => raw.sqlite3_bind_text(statement, index, text),
        long n => raw.sqlite3_bind_int64(statement, index, n),
        int n => raw.sqlite3_bind_int64(statement, index, n),
        short n => raw.sqlite3_bind_int64(statement, index, n),
        byte n => raw.sqlite3_bind_int64(statement, index, n),
        bool b => raw.sqlite3_bind_int64(statement, index, b ? 1 : 0),
        double d => raw.sqlite3_bind_double(statement, index, d),
        float f => raw.sqlite3_bind_double(statement, index, f),
        // As EF Core's SQLite provider stores them: upper-case text.
        Guid g => raw.sqlite3_bind_text(statement, index, g.ToString().ToUpperInvariant()),
        byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
        _ => throw new NotSupportedException($"Bulk rows cannot store a {value.GetType().Name} in SQLite."),
    };

    static void Check(sqlite3 handle, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, handle);
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        // SQLite has no date type: instants are stored as UTC ticks so they compare and sort in SQL.
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configuration.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }
}

public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.UtcTicks,
    v => new DateTimeOffset(v, TimeSpan.Zero));

/// <summary>Lets `dotnet ef` create migrations without starting the web host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteChangeDeskDb>
{
    public SqliteChangeDeskDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteChangeDeskDb>().UseSqlite("Data Source=design.db").Options,
            new CurrentUser(new HttpContextAccessor()), TimeProvider.System);
}
