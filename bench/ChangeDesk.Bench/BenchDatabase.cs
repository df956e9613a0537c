using ChangeDesk.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ChangeDesk.Bench;

/// <summary>
/// A database of its own for one scenario: a SQLite file in a temporary folder, or a fresh database on the
/// throwaway PostgreSQL cluster that bench/run.sh starts. Dropped when disposed.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    public required string Provider { get; init; }
    public required string ConnectionString { get; init; }
    public required string Directory { get; init; }
    string? postgresServer;
    string? postgresName;

    public bool IsPostgres => Provider == "Postgres";
    public string Label => IsPostgres ? "PostgreSQL" : "SQLite";

    public static async Task<BenchDatabase> CreateAsync(string provider, string? postgresServer, string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), "changedesk-bench", $"{name}-{Guid.NewGuid():n}");
        System.IO.Directory.CreateDirectory(directory);
        if (provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return new BenchDatabase
            {
                Provider = "Sqlite",
                Directory = directory,
                ConnectionString = $"Data Source={Path.Combine(directory, "changedesk.db")}",
            };
        }
        var server = postgresServer ?? throw new ArgumentException("--postgres <connection string> is required for the PostgreSQL runs (bench/run.sh starts a cluster).");
        var database = $"cd_bench_{name}_{Guid.NewGuid():n}"[..40];
        await using (var connection = new NpgsqlConnection($"{server};Database=postgres"))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new BenchDatabase
        {
            Provider = "Postgres",
            Directory = directory,
            postgresServer = server,
            postgresName = database,
            ConnectionString = $"{server};Database={database}",
        };
    }

    /// <summary>The service's own configuration for this database, as command-line arguments.</summary>
    public IEnumerable<string> Args() =>
    [
        $"--Database:Provider={Provider}",
        $"--Database:ConnectionString={ConnectionString}",
        $"--DataProtection:KeysPath={Path.Combine(Directory, "keys")}",
        $"--Email:PickupDirectory={Path.Combine(Directory, "mail")}",
    ];

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Environment.GetEnvironmentVariable("CHANGEDESK_BENCH_KEEP") == "1")
        {
            // For looking at query plans after a run: the database stays, and says where it is.
            Console.WriteLine($"[bench] kept the {Label} database: {ConnectionString}");
            return;
        }
        if (postgresServer is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection($"{postgresServer};Database=postgres");
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{postgresName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left in the temp folder.
        }
    }
}

/// <summary>The real service, built in this process from ChangeDeskApp, on a scenario's database.</summary>
public static class BenchHost
{
    public static async Task<WebApplication> BuildAsync(BenchDatabase database, bool backgroundJobs, DbProbe? probe = null, params string[] extra)
    {
        var app = Build(database, backgroundJobs, probe, extra);
        await DatabaseSetup.MigrateAsync(app.Services);
        return app;
    }

    /// <summary>
    /// The host without migrating: for writing rows into a database that another version of the service migrated,
    /// through tables both versions share.
    /// </summary>
    public static WebApplication Build(BenchDatabase database, bool backgroundJobs, DbProbe? probe = null, params string[] extra)
    {
        string[] args =
        [
            .. database.Args(),
            $"--BackgroundJobs:Enabled={backgroundJobs}",
            "--environment=Production",
            "--urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.EntityFrameworkCore=Warning",
            .. extra,
        ];
        var builder = ChangeDeskApp.CreateBuilder(args);
        if (probe is not null)
        {
            DbProbe.AddTo(builder.Services, probe);
        }
        var app = builder.Build();
        ChangeDeskApp.Configure(app);
        return app;
    }
}
