using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace ChangeDesk.Bench;

/// <summary>
/// Lock waits on the PostgreSQL cluster during one run, seen two ways: the server log's "still waiting for" lines
/// (log_lock_waits on, deadlock_timeout 1 ms, so every wait longer than 1 ms is logged once, with what it waits
/// for), and pg_locks sampled every 50 ms for locks not granted.
/// </summary>
public sealed partial class LockWatch
{
    public sealed record Result(int LoggedWaits, IReadOnlyDictionary<string, int> LoggedOn, int Samples, int SamplesWithWaiter,
        IReadOnlyDictionary<string, int> SampledTypes)
    {
        public bool Logged => LoggedWaits >= 0;
        public double SampleShare => Samples == 0 ? 0 : SamplesWithWaiter / (double)Samples;
    }

    readonly string server;
    readonly string? logFile;
    readonly long logStart;
    readonly CancellationTokenSource stop = new();
    readonly Task<(int Samples, int WithWaiter, Dictionary<string, int> Types)> sampling;

    LockWatch(string server, string? logFile, long logStart)
    {
        this.server = server;
        this.logFile = logFile;
        this.logStart = logStart;
        sampling = Task.Run(SampleAsync);
    }

    /// <summary>Turns on logging of every lock wait longer than 1 ms (ALTER SYSTEM, reloaded without a restart).</summary>
    public static async Task ConfigureAsync(string server, bool on)
    {
        await using var connection = new NpgsqlConnection($"{server};Database=postgres");
        await connection.OpenAsync();
        var sql = on
            ? "ALTER SYSTEM SET log_lock_waits = on; ALTER SYSTEM SET deadlock_timeout = '1ms'; SELECT pg_reload_conf();"
            : "ALTER SYSTEM RESET log_lock_waits; ALTER SYSTEM RESET deadlock_timeout; SELECT pg_reload_conf();";
        await using (var command = new NpgsqlCommand(sql, connection))
        {
            await command.ExecuteNonQueryAsync();
        }
        await Task.Delay(200);
    }

    /// <summary>The server's log file: the one given, or the logging collector's; null when neither is known.</summary>
    public static async Task<string?> LogFileAsync(string server, string? given)
    {
        if (given is not null)
        {
            return Path.GetFullPath(given);
        }
        await using var connection = new NpgsqlConnection($"{server};Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_current_logfile()", connection);
        return await command.ExecuteScalarAsync() as string;
    }

    public static async Task<LockWatch> StartAsync(string server, string? logFile) =>
        new(server, logFile, logFile is null ? 0 : await LogSizeAsync(server, logFile));

    public async Task<Result> StopAsync()
    {
        await stop.CancelAsync();
        var (samples, withWaiter, types) = await sampling;
        if (logFile is null)
        {
            return new Result(-1, new Dictionary<string, int>(), samples, withWaiter, types);
        }
        // The server writes the log; read what it added during the run through the server itself, which can read it.
        await using var connection = new NpgsqlConnection($"{server};Database=postgres");
        await connection.OpenAsync();
        var end = await LogSizeAsync(server, logFile);
        await using var read = new NpgsqlCommand("SELECT pg_read_file(@path, @offset, @length)", connection);
        read.Parameters.AddWithValue("path", logFile);
        read.Parameters.AddWithValue("offset", logStart);
        read.Parameters.AddWithValue("length", Math.Max(0, end - logStart));
        var text = (string)(await read.ExecuteScalarAsync())!;
        var on = new Dictionary<string, int>();
        var waits = 0;
        foreach (var line in text.Split('\n'))
        {
            var match = WaitLine().Match(line);
            if (match.Success)
            {
                waits++;
                var key = $"{match.Groups[1].Value} on {match.Groups[2].Value}";
                on[key] = on.GetValueOrDefault(key) + 1;
            }
        }
        return new Result(waits, on, samples, withWaiter, types);
    }

    static async Task<long> LogSizeAsync(string server, string logFile)
    {
        await using var connection = new NpgsqlConnection($"{server};Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT (pg_stat_file(@path)).size", connection);
        command.Parameters.AddWithValue("path", logFile);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    async Task<(int, int, Dictionary<string, int>)> SampleAsync()
    {
        var types = new Dictionary<string, int>();
        int samples = 0, withWaiter = 0;
        await using var connection = new NpgsqlConnection($"{server};Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT locktype, count(*) FROM pg_locks WHERE NOT granted GROUP BY locktype", connection);
        while (!stop.IsCancellationRequested)
        {
            var at = Stopwatch.GetTimestamp();
            var seen = false;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    seen = true;
                    var type = reader.GetString(0);
                    types[type] = types.GetValueOrDefault(type) + 1;
                }
            }
            samples++;
            withWaiter += seen ? 1 : 0;
            var wait = TimeSpan.FromMilliseconds(50) - Stopwatch.GetElapsedTime(at);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        return (samples, withWaiter, types);
    }

    /// <summary>"process 123 still waiting for ShareLock on transaction 456 after 1.02 ms", and the like.</summary>
    [GeneratedRegex(@"still waiting for (\w+) on ([a-z ]+?)(?= \d| \(| \[| of |$)")]
    private static partial Regex WaitLine();
}

/// <summary>The whole machine's CPU time from /proc/stat: the busy share of all cores between two readings.</summary>
public readonly record struct CpuTime(long Busy, long Total)
{
    public static CpuTime Read()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        // user nice system idle iowait irq softirq steal: idle and iowait are the time no work ran.
        return new CpuTime(total - fields[3] - fields[4], total);
    }

    public static double BusyShare(CpuTime from, CpuTime to) =>
        to.Total == from.Total ? 0 : (to.Busy - from.Busy) / (double)(to.Total - from.Total);
}
