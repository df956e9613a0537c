using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Sqlite (default) or Postgres.</summary>
    public string Provider { get; set; } = "Sqlite";

    public string ConnectionString { get; set; } = "Data Source=data/changedesk.db";

    /// <summary>Apply pending migrations when the service starts (on in Development).</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>SQLite only: bytes of the database file read through memory-mapped I/O (0 turns it off).</summary>
    public long SqliteMmapSize { get; set; } = 256L * 1024 * 1024;
}

public static class DatabaseSetup
{
    static readonly PostgresRowLocks RowLocks = new();

    public static IServiceCollection AddChangeDeskDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        services.AddSingleton(options);
        switch (options.Provider.ToLowerInvariant())
        {
            case "sqlite":
                var tuning = new SqliteTuning(options.SqliteMmapSize);
                services.AddDbContext<ChangeDeskDb, SqliteChangeDeskDb>((sp, o) => o.UseSqlite(PrepareSqlite(options.ConnectionString, contentRoot))
                    .AddInterceptors(sp.GetRequiredService<WakeUpOnCommit>(), tuning)
                    // SQLite changes a column by rebuilding its table with foreign keys off, which cannot happen inside the
                    // migration's transaction; EF warns about that on every new database. Upgrades start from a backup
                    // (docs/operations.md), so this is information rather than a warning.
                    .ConfigureWarnings(w => w.Log((Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.NonTransactionalMigrationOperationWarning, LogLevel.Information))));
                break;
            case "postgres" or "postgresql" or "npgsql":
                services.AddDbContext<ChangeDeskDb, PostgresChangeDeskDb>((sp, o) => o.UseNpgsql(options.ConnectionString)
                    .AddInterceptors(sp.GetRequiredService<WakeUpOnCommit>(), RowLocks));
                break;
            default:
                throw new InvalidOperationException(
                    $"Database:Provider '{options.Provider}' is not supported. Supported providers: Sqlite, Postgres.");
        }
        return services;
    }

    /// <summary>Creates the folder of a SQLite file so the first start works from a fresh clone.</summary>
    static string PrepareSqlite(string connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode != SqliteOpenMode.Memory && !builder.DataSource.StartsWith(':') && !Path.IsPathRooted(builder.DataSource))
        {
            builder.DataSource = Path.Combine(contentRoot, builder.DataSource);
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(directory) && builder.Mode != SqliteOpenMode.Memory)
        {
            Directory.CreateDirectory(directory);
        }
        return builder.ToString();
    }

    /// <summary>Applies migrations and the reference data every installation needs (the seed's change types).</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("migration");
        var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        await db.Database.MigrateAsync(ct);
        var existing = await db.ChangeTypes.Select(t => t.Key).ToListAsync(ct);
        var missing = ChangeTypeCatalog.Defaults().Where(t => !existing.Contains(t.Key)).ToList();
        if (missing.Count > 0)
        {
            db.AuditOperation = "Install default change types";
            db.ChangeTypes.AddRange(missing);
            await db.SaveChangesAsync(ct);
        }
    }
}
