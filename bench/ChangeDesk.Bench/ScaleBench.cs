using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Npgsql;

namespace ChangeDesk.Bench;

/// <summary>
/// Scenario 6: writes and reads with 1 and with several service instances on one PostgreSQL database. The instances
/// are the published service as separate processes; closed-loop clients spread their requests over them in turn.
/// Each run counts the lock waits the server logged and samples pg_locks and the machine's CPU. Then a large
/// announce, with support comments of another tenant posted while it runs.
/// </summary>
public static class ScaleBench
{
    public sealed record Options(
        string Postgres, string ServiceDll, int[] Instances, int[] Clients, TimeSpan Duration, TimeSpan Warmup, int Rounds, int Tenants,
        int AnnounceTenants, int[] AnnounceInstances, string? PgLog, string? Out);

    enum Load { Signals, Comments, GraphList }

    static readonly string[] Rings = ["Test", "First", "Fast", "Broad"];
    const int SignalItems = 50;
    const int Messages = 30;
    const int AnnounceClients = 4;

    sealed record Run(int Round, int Instances, Load Load, int Clients, LoadResult Result, LockWatch.Result Locks, double Cpu)
    {
        public bool Writes => Load != Load.GraphList;
        public double WaitShare => Locks.Logged && Result.Requests > 0 ? Locks.LoggedWaits / (double)Result.Requests : double.NaN;
    }

    sealed record Announced(int Instances, TimeSpan Duration, double[] During, double[] Before, long Errors, LockWatch.Result Locks, int Recipients);

    sealed record Tenancy(Guid[] TenantIds, string[] AdminTokens);

    public static async Task RunAsync(Options o)
    {
        var serviceDll = Path.GetFullPath(o.ServiceDll);
        var logFile = await LockWatch.LogFileAsync(o.Postgres, o.PgLog);
        var pool = await PoolSizeAsync(o.Postgres, o.Instances.Concat(o.AnnounceInstances).Max());
        await LockWatch.ConfigureAsync(o.Postgres, on: true);
        try
        {
            var runs = new List<Run>();
            (int Records, double P50, double P99, double Max, int Unchained)? chain;
            bool chainedAt;
            TimeSpan seeding;
            await using (var database = await BenchDatabase.CreateAsync("postgres", o.Postgres, "scale"))
            {
                var seedStart = Stopwatch.GetTimestamp();
                var seed = await SeedAsync(database, serviceDll, o, pool);
                seeding = Stopwatch.GetElapsedTime(seedStart);
                chainedAt = await HasColumnAsync(database, "AuditRecords", "ChainedAt");
                Console.WriteLine($"[scale] seeded {o.Tenants} tenants, {Messages} messages each, a started release and a support request per tenant in {Report.Seconds(seeding)}; "
                    + $"audit records {(chainedAt ? "are chained after commit" : "are chained in the write")}");
                var from = DateTimeOffset.UtcNow;
                for (var round = 1; round <= o.Rounds; round++)
                {
                    foreach (var n in o.Instances)
                    {
                        await using var cluster = await Cluster.StartAsync(serviceDll, database, n, pool);
                        using var client = new LoadClient(o.Clients.Max());
                        foreach (var load in Enum.GetValues<Load>())
                        {
                            foreach (var clients in o.Clients)
                            {
                                var next = seed.Next(load, clients);
                                await WorkersRun(client, clients, cluster.Servers, next, o.Warmup, round);
                                var watch = await LockWatch.StartAsync(o.Postgres, logFile);
                                var cpuFrom = CpuTime.Read();
                                var result = await WorkersRun(client, clients, cluster.Servers, next, o.Duration, round);
                                var cpu = CpuTime.BusyShare(cpuFrom, CpuTime.Read());
                                var locks = await watch.StopAsync();
                                var run = new Run(round, n, load, clients, result, locks, cpu);
                                runs.Add(run);
                                Console.WriteLine($"[scale] round {round}, {n} instance(s), {Name(load)}, {clients} clients: {result.PerSecond:0.0}/s, "
                                    + $"p50 {result.Percentile(50):0.0} ms, p99 {result.Percentile(99):0.0} ms, {result.Errors} errors, "
                                    + $"{(locks.Logged ? locks.LoggedWaits.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")} lock waits logged "
                                    + $"({string.Join(", ", locks.LoggedOn.Select(l => $"{l.Key}: {l.Value}"))}), waiter in {locks.SampleShare:P0} of samples, CPU {cpu:P0}"
                                    + (result.FirstError is { } e ? $"\n    first error: {e}" : ""));
                            }
                        }
                        if (chainedAt)
                        {
                            // Before the instances stop: what they wrote is chained by them, as in service.
                            await WaitChainedAsync(database, TimeSpan.FromSeconds(30));
                        }
                    }
                }
                chain = chainedAt ? await ChainDelayAsync(database, from, DateTimeOffset.UtcNow) : null;
            }

            var announced = new List<Announced>();
            TimeSpan announceSeeding;
            await using (var database = await BenchDatabase.CreateAsync("postgres", o.Postgres, "scaleannounce"))
            {
                var seedStart = Stopwatch.GetTimestamp();
                var (releaseToken, commenterToken, some) = await SeedAnnounceAsync(database, serviceDll, o.AnnounceTenants);
                announceSeeding = Stopwatch.GetElapsedTime(seedStart);
                Console.WriteLine($"[scale] seeded {o.AnnounceTenants:#,0} tenants with 3 people each in {Report.Seconds(announceSeeding)}");
                string[]? requests = null;
                foreach (var n in o.AnnounceInstances)
                {
                    await using var cluster = await Cluster.StartAsync(serviceDll, database, n, pool);
                    using var client = new LoadClient(AnnounceClients);
                    requests ??= await FileRequestsAsync(client, cluster.Servers[0], commenterToken, AnnounceClients);
                    var a = await AnnounceWhileCommentingAsync(client, cluster, o.Postgres, logFile, releaseToken, commenterToken, requests, some, n);
                    announced.Add(a);
                    Console.WriteLine($"[scale] announce to {a.Recipients:#,0} tenants on {n} instance(s) took {Report.Seconds(a.Duration)}; "
                        + $"{a.During.Length} comments during it: p50 {Pct(a.During, 50):0.0} ms, p99 {Pct(a.During, 99):0.0} ms, max {Pct(a.During, 100):0.0} ms");
                    await cluster.DisposeAsync();
                    // The announce's emails are not part of the next test.
                    await ExecuteAsync(database, """DELETE FROM "Outbox" WHERE "SentAt" IS NULL""");
                }
            }

            await WriteReportAsync(o, serviceDll, pool, runs, chainedAt, chain, announced, seeding, announceSeeding, logFile is not null);
        }
        finally
        {
            await LockWatch.ConfigureAsync(o.Postgres, on: false);
        }
    }

    static Task<LoadResult> WorkersRun(LoadClient client, int clients, IReadOnlyList<Uri> servers, Func<int, Random, LoadRequest> next, TimeSpan duration, int round) =>
        client.RunAsync(servers, next, duration, round, clients);

    /// <summary>The same loads against the before and the after version: rows through BulkRows (tables both share), the rest through the service.</summary>
    sealed class ScaleSeed
    {
        public required Tenancy Tenancy { get; init; }
        public required string[] RequestNumbers { get; init; }
        public required Guid ReleaseId { get; init; }

        public Func<int, Random, LoadRequest> Next(Load load, int clients) => load switch
        {
            Load.Signals => (w, random) => SignalBatch(Own(w, clients, random, Tenancy.TenantIds.Length)),
            Load.Comments => (w, random) => Comment(Own(w, clients, random, RequestNumbers.Length)),
            _ => (_, random) => LoadRequest.Get("graph/v1.0/admin/serviceAnnouncement/messages?$top=25", Tenancy.AdminTokens[random.Next(Tenancy.TenantIds.Length)]),
        };

        // Each worker reports for tenants of its own, as each tenant's device management sends its own signals:
        // concurrent batches count into different rings, so what they wait for is the service, not each other's rows.
        LoadRequest SignalBatch(int t)
        {
            var items = Enumerable.Range(0, SignalItems).Select(i => new JsonObject
            {
                ["eventId"] = Guid.NewGuid().ToString("n"),
                ["releaseId"] = ReleaseId,
                ["tenantId"] = Tenancy.TenantIds[t],
                ["ring"] = Rings[i % Rings.Length],
                ["devices"] = 400,
                ["installSuccesses"] = 1,
            }).ToArray<JsonNode?>();
            return LoadRequest.Post("api/signals", Tenancy.AdminTokens[t], new JsonObject { ["items"] = new JsonArray(items) }.ToJsonString());
        }

        // A tenant's admin comments on its own request; each worker has requests of its own.
        LoadRequest Comment(int t) => LoadRequest.Post($"api/support-requests/{RequestNumbers[t]}/comments", Tenancy.AdminTokens[t],
            """{"body":"Still seeing it on two more devices after the restart."}""");

        static int Own(int worker, int workers, Random random, int count) =>
            count >= workers ? worker + workers * random.Next(count / workers) : random.Next(count);
    }

    static async Task<ScaleSeed> SeedAsync(BenchDatabase database, string serviceDll, Options o, int pool)
    {
        await AdminAsync(serviceDll, database, "migrate");
        var tenancy = await BulkTenantsAsync(database, o.Tenants, "scale");
        await AdminAsync(serviceDll, database, "create-user", "--email", "release@scale.test", "--role", "release-manager", "--display-name", "Release Manager");
        var release = await AdminAsync(serviceDll, database, "create-token", "--email", "release@scale.test", "--name", "bench");
        await using var cluster = await Cluster.StartAsync(serviceDll, database, 1, pool);
        using var client = new LoadClient(4);
        var server = cluster.Servers[0];
        var now = DateTimeOffset.UtcNow;

        var numbers = new string[o.Tenants];
        for (var i = 0; i < o.Tenants; i++)
        {
            var answer = await client.PostAsync(new Uri(server, "api/support-requests"), tenancy.AdminTokens[i], Json(new
            {
                title = "Printers drop off the network after the update",
                description = "Since this morning two floors cannot print.",
                severity = "c",
                affectedUsers = 40,
            }));
            numbers[i] = JsonNode.Parse(answer)!["number"]!.GetValue<string>();
        }

        var releaseId = JsonNode.Parse(await client.PostAsync(new Uri(server, "api/releases"), release, Json(new
        {
            title = "Out-of-band fix for the print spooler",
            kind = "out-of-band",
            description = "Fixes the spooler crash after the monthly update.",
            targetsAllTenants = true,
        })))!["id"]!.GetValue<Guid>();
        await client.PostAsync(new Uri(server, $"api/releases/{releaseId}/mitigation"), release, Json(new { description = "Spooler restarts itself until the fix is installed." }));
        await client.PostAsync(new Uri(server, $"api/releases/{releaseId}/start"), release);

        for (var i = 0; i < Messages; i++)
        {
            var id = await CreateChangeAsync(client, server, release, $"Planned change {i + 1}", now, allTenants: true, []);
            await client.PostAsync(new Uri(server, $"api/changes/{id}/announce"), release);
        }
        await WaitSentAsync(database, TimeSpan.FromSeconds(120));
        if (await CountAsync(database, """SELECT count(*) FROM "RingRollouts" """) < o.Tenants * Rings.Length)
        {
            throw new InvalidOperationException("The started release has fewer rings than the tenants' default plans.");
        }
        return new ScaleSeed { Tenancy = tenancy, RequestNumbers = numbers, ReleaseId = releaseId };
    }

    /// <summary>Tenants with one admin and an API token each, written as rows (through the tables both versions share).</summary>
    static async Task<Tenancy> BulkTenantsAsync(BenchDatabase database, int count, string name)
    {
        var now = DateTimeOffset.UtcNow;
        var tenants = Enumerable.Range(0, count).Select(i => new Tenant { Name = $"{name} tenant {i:D5}", CreatedAt = now }).ToList();
        var admins = tenants.Select((t, i) => new User
        {
            Email = $"admin-{i:D5}@{name}.test",
            DisplayName = $"Admin of {t.Name}",
            Role = Role.TenantAdmin,
            TenantId = t.Id,
            CreatedAt = now,
        }).ToList();
        var secrets = admins.Select((_, i) => $"cdk_{name}{i:D5}_{Guid.NewGuid():n}").ToArray();
        var tokens = admins.Select((u, i) => new ApiToken
        {
            UserId = u.Id,
            TenantId = u.TenantId,
            Name = "bench",
            Prefix = secrets[i][..10],
            TokenHash = Accounts.HashToken(secrets[i]),
            CreatedAt = now,
        }).ToList();
        await using var app = BenchHost.Build(database, backgroundJobs: false);
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("bench");
        var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        await Bulk.WriteAsync(db, [BulkRows.For(db, tenants), BulkRows.For(db, admins), BulkRows.For(db, tokens)]);
        return new Tenancy([.. tenants.Select(t => t.Id)], secrets);
    }

    /// <summary>Tenants and people as the fan-out seeds them, plus one more tenant whose admin comments; the release manager's token from the CLI.</summary>
    static async Task<(string Release, string Commenter, List<Guid> Some)> SeedAnnounceAsync(BenchDatabase database, string serviceDll, int tenants)
    {
        await AdminAsync(serviceDll, database, "migrate");
        var seed = Seed.Create(tenants, 3, DateTimeOffset.UtcNow);
        await using (var app = BenchHost.Build(database, backgroundJobs: false))
        {
            using var scope = app.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("bench");
            await seed.WriteAsync(scope.ServiceProvider.GetRequiredService<ChangeDeskDb>());
        }
        var commenter = await BulkTenantsAsync(database, 1, "commenting");
        await ExecuteAsync(database, "ANALYZE");
        var release = await AdminAsync(serviceDll, database, "create-token", "--email", seed.ReleaseManager.Email, "--name", "bench");
        return (release, commenter.AdminTokens[0], [.. seed.Tenants.Take(3).Select(t => t.Id)]);
    }

    static async Task<string[]> FileRequestsAsync(LoadClient client, Uri server, string token, int count)
    {
        var numbers = new string[count];
        for (var i = 0; i < count; i++)
        {
            var answer = await client.PostAsync(new Uri(server, "api/support-requests"), token, Json(new
            {
                title = $"Shared mailbox {i + 1} stopped syncing",
                description = "Outlook shows the mailbox as disconnected.",
                severity = "b",
                affectedUsers = 12,
            }));
            numbers[i] = JsonNode.Parse(answer)!["number"]!.GetValue<string>();
        }
        return numbers;
    }

    static async Task<Announced> AnnounceWhileCommentingAsync(LoadClient client, Cluster cluster, string server, string? logFile, string releaseToken,
        string commenterToken, string[] requests, List<Guid> some, int instances)
    {
        var api = cluster.Servers[0];
        var now = DateTimeOffset.UtcNow;
        LoadRequest Comment(int w, Random _) => LoadRequest.Post($"api/support-requests/{requests[w]}/comments", commenterToken,
            """{"body":"The mailbox is back for some users, not for others."}""");

        // Warm-up: the same calls on three tenants, and comments, so that neither side is compiling during the test.
        var warm = await CreateChangeAsync(client, api, releaseToken, "Warm-up", now, allTenants: false, some);
        await client.PostAsync(new Uri(api, $"api/changes/{warm}/announce"), releaseToken);
        await client.RunAsync(cluster.Servers, Comment, TimeSpan.FromSeconds(3), 0, AnnounceClients);

        var id = await CreateChangeAsync(client, api, releaseToken, "New sharing defaults for every tenant", now, allTenants: true, []);
        using var stop = new CancellationTokenSource();
        var watch = await LockWatch.StartAsync(server, logFile);
        var comments = client.RunAsync(cluster.Servers, Comment, TimeSpan.FromMinutes(5), 1, AnnounceClients, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var from = Stopwatch.GetTimestamp();
        var answer = await client.PostAsync(new Uri(api, $"api/changes/{id}/announce"), releaseToken);
        var to = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        var result = await comments;
        var locks = await watch.StopAsync();
        if (JsonNode.Parse(answer)?["messageId"] is null)
        {
            throw new InvalidOperationException("The announce did not post a message: " + answer);
        }
        var recipients = (int)await CountAsync(cluster.Database, $"""SELECT count(*) FROM "MessageTenants" m JOIN "Messages" g ON g."Id" = m."MessageId" WHERE g."ChangeId" = {id}""");
        return new Announced(instances, Stopwatch.GetElapsedTime(from, to), result.StartedBetween(from, to), result.StartedBetween(result.Started, from),
            result.Errors, locks, recipients);
    }

    static async Task<int> CreateChangeAsync(LoadClient client, Uri server, string token, string title, DateTimeOffset now, bool allTenants, List<Guid> targets)
    {
        var input = Seed.Change(title, now, allTenants, targets);
        var answer = await client.PostAsync(new Uri(server, "api/changes"), token, JsonSerializer.Serialize(input, JsonSerializerOptions.Web));
        return JsonNode.Parse(answer)!["id"]!.GetValue<int>();
    }

    /// <summary>Service instances, each its own process on its own loopback port, on one database.</summary>
    sealed class Cluster : IAsyncDisposable
    {
        readonly List<ServerProcess> processes = [];

        public required BenchDatabase Database { get; init; }
        public IReadOnlyList<Uri> Servers => [.. processes.Select(p => p.BaseAddress)];

        public static async Task<Cluster> StartAsync(string serviceDll, BenchDatabase database, int instances, int pool)
        {
            var cluster = new Cluster { Database = database };
            var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = pool }.ConnectionString;
            string[] args =
            [
                .. database.Args().Where(a => !a.StartsWith("--Database:ConnectionString=", StringComparison.Ordinal)),
                $"--Database:ConnectionString={connection}",
                "--BackgroundJobs:Enabled=true",
                // Closed-loop clients send far more than a token may: the limits are not what is measured.
                "--RateLimits:Api:PermitLimit=1000000000",
                "--RateLimits:Graph:PermitLimit=1000000000",
            ];
            try
            {
                for (var i = 0; i < instances; i++)
                {
                    cluster.processes.Add(await ServerProcess.StartAsync(serviceDll, args, Path.GetDirectoryName(serviceDll)!, SmtpSink.FreePort(), TimeSpan.FromSeconds(60)));
                }
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
            return cluster;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var p in processes)
            {
                await p.DisposeAsync();
            }
            processes.Clear();
        }
    }

    /// <summary>`dotnet ChangeDesk.dll admin …` of the version under test, with the database's configuration; its last line.</summary>
    static async Task<string> AdminAsync(string serviceDll, BenchDatabase database, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(serviceDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(serviceDll);
        info.ArgumentList.Add("admin");
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var setting in database.Args())
        {
            var (key, value) = (setting[2..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + serviceDll);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"admin {string.Join(' ', args)} exited with {process.ExitCode}: {await error}{await output}");
        }
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    /// <summary>A pool per instance that keeps instances × pool below max_connections, with room for the bench's own.</summary>
    static async Task<int> PoolSizeAsync(string server, int instances)
    {
        await using var connection = new NpgsqlConnection($"{server};Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW max_connections", connection);
        var max = int.Parse((string)(await command.ExecuteScalarAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        return Math.Clamp((max - 20) / instances, 5, 50);
    }

    static async Task<bool> HasColumnAsync(BenchDatabase database, string table, string column) =>
        await CountAsync(database, $"SELECT count(*) FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{column}'") > 0;

    static async Task WaitChainedAsync(BenchDatabase database, TimeSpan limit)
    {
        var start = Stopwatch.GetTimestamp();
        while (await CountAsync(database, """SELECT count(*) FROM "AuditRecords" WHERE "Sequence" IS NULL""") > 0 && Stopwatch.GetElapsedTime(start) < limit)
        {
            await Task.Delay(100);
        }
    }

    static async Task WaitSentAsync(BenchDatabase database, TimeSpan limit)
    {
        var start = Stopwatch.GetTimestamp();
        while (await CountAsync(database, """SELECT count(*) FROM "Outbox" WHERE "SentAt" IS NULL""") > 0 && Stopwatch.GetElapsedTime(start) < limit)
        {
            await Task.Delay(250);
        }
    }

    /// <summary>ChainedAt − At of the audit records written between two instants (only where the schema has ChainedAt).</summary>
    static async Task<(int, double, double, double, int)> ChainDelayAsync(BenchDatabase database, DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*)::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.99) WITHIN GROUP (ORDER BY d), max(d),
                   count(*) FILTER (WHERE d IS NULL)::int
            FROM (SELECT EXTRACT(EPOCH FROM ("ChainedAt" - "At")) * 1000 AS d FROM "AuditRecords" WHERE "At" BETWEEN @from AND @to) AS r
            """, connection);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        double At(int i) => reader.IsDBNull(i) ? double.NaN : Convert.ToDouble(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        return (reader.GetInt32(0), At(1), At(2), At(3), reader.GetInt32(4));
    }

    static async Task<long> CountAsync(BenchDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    static async Task ExecuteAsync(BenchDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    static string Verdict(bool met) => met ? "PASS" : "**FAIL**";

    static string Json(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    static double Pct(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : new LoadResult(sorted.Length, 0, TimeSpan.FromSeconds(1), sorted).Percentile(p);

    static string Name(Load load) => load switch
    {
        Load.Signals => $"signal batches ({SignalItems} events)",
        Load.Comments => "support comments",
        _ => "Graph list",
    };

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    static async Task WriteReportAsync(Options o, string serviceDll, int pool, List<Run> runs, bool chainedAt,
        (int Records, double P50, double P99, double Max, int Unchained)? chain, List<Announced> announced, TimeSpan seeding, TimeSpan announceSeeding, bool logged)
    {
        var report = new Report().Heading("6. Scale-out: writes with 1 and several instances on PostgreSQL");
        report.Line($"The service as published (`{serviceDll}`), as {string.Join(" and ", o.Instances)} separate `dotnet ChangeDesk.dll` processes "
            + $"(Production settings, background jobs on, each on its own loopback port, `Maximum Pool Size={pool}`) on one database; "
            + $"audit records are {(chainedAt ? "linked into the chain after commit by the chain job (the schema has `ChainedAt`)" : "chained in the writer's transaction (no `ChainedAt` in the schema)")}. "
            + $"{o.Tenants} tenants with an admin and an API token each (rows), a support request per tenant, {Messages} announced changes (so each tenant's "
            + "Message Center has a full first page) and a started out-of-band release with each tenant's default rings (Test, First, Fast, Broad), "
            + "all through the service's API and `admin` commands. Rate limits are raised for the run (they are not what is measured).").Line();
        report.Line($"Loads: **signal batches**, `POST /api/signals` with {SignalItems} events for the 4 rings of one tenant, with that tenant's admin token; "
            + "**support comments**, `POST /api/support-requests/{number}/comments` by the tenant's admin on its request; each worker writes for "
            + "tenants of its own, so concurrent writes never share a row; **Graph list**, `GET /graph/v1.0/admin/serviceAnnouncement/messages?$top=25` "
            + $"as a random tenant. Closed-loop clients ({string.Join(" and ", o.Clients)}) spread their requests round-robin over the instances; "
            + $"{o.Duration.TotalSeconds:0} s per run after {o.Warmup.TotalSeconds:0} s of warm-up; {o.Rounds} rounds, the instance counts interleaved "
            + $"({string.Join(", ", Enumerable.Repeat(string.Join(", ", o.Instances), o.Rounds))}), medians of the rounds.").Line();
        report.Line("Lock waits: the cluster runs with `log_lock_waits = on` and `deadlock_timeout = 1ms`, so every lock wait longer than 1 ms is "
            + "logged once (\"still waiting for …\"); their count during a run is divided by the run's write requests (waits of background jobs count too). "
            + "pg_locks is sampled every 50 ms for locks not granted. CPU: /proc/stat of the whole machine over the run (the client, the instances "
            + "and PostgreSQL share it)." + (logged ? "" : " **The server log was not found: waits were not counted.**")).Line();

        var loads = Enum.GetValues<Load>();
        var rows = new List<string[]>();
        var ratios = new List<(Load Load, int Clients, double Ratio)>();
        foreach (var load in loads)
        {
            foreach (var clients in o.Clients)
            {
                var row = new List<string> { Name(load), clients.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                var perSecond = new Dictionary<int, double>();
                foreach (var n in o.Instances)
                {
                    var these = runs.Where(r => r.Load == load && r.Clients == clients && r.Instances == n).ToList();
                    perSecond[n] = Median(these.Select(r => r.Result.PerSecond));
                    row.Add(Report.N(perSecond[n]));
                    row.Add(Report.Ms(Median(these.Select(r => r.Result.Percentile(50)))));
                    row.Add(Report.Ms(Median(these.Select(r => r.Result.Percentile(99)))));
                }
                if (o.Instances.Length > 1)
                {
                    var ratio = perSecond[o.Instances.Max()] / perSecond[o.Instances.Min()];
                    ratios.Add((load, clients, ratio));
                    row.Add($"{ratio:0.00}×");
                }
                row.Add(Report.N(runs.Where(r => r.Load == load && r.Clients == clients).Sum(r => r.Result.Errors)));
                rows.Add([.. row]);
            }
        }
        report.Table(
        [
            "load", "clients", .. o.Instances.SelectMany(n => new[] { $"{n} inst. req/s", "p50", "p99" }),
            .. o.Instances.Length > 1 ? new[] { $"{o.Instances.Max()} vs {o.Instances.Min()}" } : [], "errors",
        ], rows);

        var lockRows = new List<string[]>();
        var waitShares = new List<(string Where, double Share)>();
        var cpus = new List<(string Where, double Cpu)>();
        foreach (var load in loads)
        {
            foreach (var clients in o.Clients)
            {
                foreach (var n in o.Instances)
                {
                    var these = runs.Where(r => r.Load == load && r.Clients == clients && r.Instances == n).ToList();
                    var share = Median(these.Select(r => r.WaitShare));
                    var cpu = Median(these.Select(r => r.Cpu));
                    var where = $"{Name(load)}, {clients} clients, {n} inst.";
                    if (load != Load.GraphList)
                    {
                        waitShares.Add((where, share));
                        cpus.Add((where, cpu));
                    }
                    var on = these.SelectMany(r => r.Locks.LoggedOn).GroupBy(l => l.Key).OrderByDescending(g => g.Sum(l => l.Value))
                        .Select(g => $"{g.Key} ({Report.N(g.Sum(l => l.Value))})");
                    var types = these.SelectMany(r => r.Locks.SampledTypes).GroupBy(l => l.Key).OrderByDescending(g => g.Sum(l => l.Value))
                        .Select(g => $"{g.Key} ({Report.N(g.Sum(l => l.Value))})");
                    lockRows.Add(
                    [
                        Name(load), clients.ToString(System.Globalization.CultureInfo.InvariantCulture), n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Report.N(Median(these.Select(r => (double)r.Locks.LoggedWaits))), Report.N(Median(these.Select(r => (double)r.Result.Requests))),
                        double.IsNaN(share) ? "?" : Report.Percent(share), Report.Percent(Median(these.Select(r => r.Locks.SampleShare))),
                        string.Join(", ", on.DefaultIfEmpty("—")), string.Join(", ", types.DefaultIfEmpty("—")), Report.Percent(cpu),
                    ]);
                }
            }
        }
        report.Line("Lock waits and CPU, medians of the rounds (the lock types are summed over the rounds):").Line();
        report.Table(["load", "clients", "instances", "waits logged", "requests", "waits / request", "pg_locks samples with a waiter",
            "waited on (log)", "not granted (pg_locks)", "CPU busy"], lockRows);

        report.Line("Every run:").Line();
        report.Table(["round", "instances", "load", "clients", "req/s", "p50", "p99", "errors", "waits logged", "CPU busy"],
            runs.Select(r => new[]
            {
                r.Round.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Instances.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Name(r.Load), r.Clients.ToString(System.Globalization.CultureInfo.InvariantCulture), Report.N(r.Result.PerSecond),
                Report.Ms(r.Result.Percentile(50)), Report.Ms(r.Result.Percentile(99)), Report.N(r.Result.Errors),
                r.Locks.Logged ? Report.N(r.Locks.LoggedWaits) : "?", Report.Percent(r.Cpu),
            }));

        report.Line("**Audit chain delay** (`ChainedAt − At` of the audit records written during the runs, including warm-ups):").Line();
        if (chain is { } c)
        {
            report.Table(["records", "p50", "p99", "max", "not chained at the end"],
                [[Report.N(c.Records), Report.Ms(c.P50), Report.Ms(c.P99), Report.Ms(c.Max), Report.N(c.Unchained)]]);
        }
        else
        {
            report.Line("n/a: this version chains each record in the write that makes it (no `ChainedAt`).").Line();
        }

        report.Line($"**A large announce and other tenants' writes.** {Report.N(o.AnnounceTenants)} tenants with 3 people each (rows, as the fan-out seeds them) and one "
            + $"more tenant whose admin has {AnnounceClients} support requests. {AnnounceClients} closed-loop clients post comments on them (one request each, round-robin over "
            + "the instances) while a release manager announces a provider change (admin action, so every person wants the email) to all tenants with "
            + "`POST /api/changes/{id}/announce` (after a warm-up announce to 3 tenants and 3 s of comments). The comments counted are those that "
            + "started while the announce call was running.").Line();
        report.Table(["instances", "announce (call)", "tenants reached", "comments during it", "p50", "p99", "max", "comments before it: p50", "p99", "errors", "not granted (pg_locks)"],
            announced.Select(a => new[]
            {
                a.Instances.ToString(System.Globalization.CultureInfo.InvariantCulture), Report.Seconds(a.Duration), Report.N(a.Recipients), Report.N(a.During.Length),
                Report.Ms(Pct(a.During, 50)), Report.Ms(Pct(a.During, 99)), Report.Ms(Pct(a.During, 100)),
                Report.Ms(Pct(a.Before, 50)), Report.Ms(Pct(a.Before, 99)), Report.N(a.Errors),
                string.Join(", ", a.Locks.SampledTypes.OrderByDescending(t => t.Value).Select(t => $"{t.Key} ({t.Value})").DefaultIfEmpty("—")),
            }));

        var worstWait = waitShares.Where(w => !double.IsNaN(w.Share)).OrderByDescending(w => w.Share).FirstOrDefault();
        var leastCpu = cpus.OrderBy(c => c.Cpu).FirstOrDefault();
        var worstRatio = ratios.OrderBy(r => r.Ratio).FirstOrDefault();
        string[] waitTarget = logged && worstWait.Where is not null
            ? ["lock waits per write request (every write load × clients × instances)", $"highest {Report.Percent(worstWait.Share)} ({worstWait.Where})", "< 5 %", Verdict(worstWait.Share < 0.05)]
            : ["lock waits per write request", "not counted (no server log)", "< 5 %", Verdict(false)];
        List<string[]> targets =
        [
            waitTarget,
            ["machine CPU busy during write runs (every write load × clients × instances)", $"lowest {Report.Percent(leastCpu.Cpu)} ({leastCpu.Where})", "≥ 95 %", Verdict(leastCpu.Cpu >= 0.95)],
        ];
        if (ratios.Count > 0)
        {
            targets.Add([$"{o.Instances.Max()} instances vs {o.Instances.Min()} (req/s, every load × clients)", $"lowest {worstRatio.Ratio:0.00}× ({Name(worstRatio.Load)}, {worstRatio.Clients} clients)",
                "≥ 1.00×", Verdict(worstRatio.Ratio >= 1)]);
        }
        foreach (var a in announced)
        {
            targets.Add([$"support comment during a {Report.N(a.Recipients)}-tenant announce, p99 ({a.Instances} inst.)", Report.Ms(Pct(a.During, 99)), "< 100 ms",
                Verdict(a.During.Length > 0 && Pct(a.During, 99) < 100)]);
        }
        report.Table(["target", "measured", "target", ""], targets);
        report.Line($"Seeding took {Report.Seconds(seeding)} (scale database) and {Report.Seconds(announceSeeding)} (announce database).").Line();
        await report.SaveAsync(o.Out);
    }
}
