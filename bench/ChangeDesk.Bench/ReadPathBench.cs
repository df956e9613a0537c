using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Bench;

/// <summary>
/// Scenarios 3 and 4: the service as its own process on a Message Center of many messages, started several
/// times (time to /healthz, idle memory), then read through the Graph list with $filter and paging by a load
/// client, alternating with a bare Kestrel process that answers the same path with a fixed body.
/// </summary>
public static class ReadPathBench
{
    public sealed record Options(
        string Provider, string? Postgres, int Tenants, int Messages, int TenantsPerMessage, int Workers, TimeSpan Duration, int Rounds,
        TimeSpan Warmup, int Starts, string ServiceDll, string? Out);

    static readonly string[] ServiceNames = ["Exchange Online", "SharePoint Online", "Microsoft Teams", "OneDrive", "Intune", "Windows"];

    public static async Task RunAsync(Options o)
    {
        var now = DateTimeOffset.UtcNow;
        await using var database = await BenchDatabase.CreateAsync(o.Provider, o.Postgres, "read");
        var label = database.Label;
        var (tokens, seeding) = await SeedAsync(database, o, now);
        Console.WriteLine($"[read {label}] seeded {o.Messages:#,0} messages, {o.Messages * o.TenantsPerMessage:#,0} message-tenant rows, {o.Tenants:#,0} tenants in {Report.Seconds(seeding)}");

        var filters = new[]
        {
            "category eq 'planForChange'",
            $"lastModifiedDateTime ge {now.AddDays(-30).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}",
            "services/any(s:s eq 'Microsoft Teams')",
            "isMajorChange eq true or severity eq 'high'",
        };
        (string, string) Next(Random random)
        {
            var page = random.Next(4);
            var path = "graph/v1.0/admin/serviceAnnouncement/messages?$filter=" + Uri.EscapeDataString(filters[random.Next(filters.Length)])
                + $"&$top=25&$skip={page * 25}" + (page == 0 ? "&$count=true" : "");
            return (path, tokens[random.Next(tokens.Length)]);
        }

        var serviceDirectory = Path.GetDirectoryName(Path.GetFullPath(o.ServiceDll))!;
        string[] serviceArgs = [.. database.Args()];
        var benchDll = typeof(ReadPathBench).Assembly.Location;
        var timeout = TimeSpan.FromSeconds(60);

        // 4. Start-up: several starts of each, alternating; the last of each keeps running for the load.
        var serviceStarts = new List<TimeSpan>();
        var baselineStarts = new List<TimeSpan>();
        var bodyFile = Path.Combine(database.Directory, "fixed-body.json");
        ServerProcess? service = null;
        ServerProcess? baseline = null;
        try
        {
            for (var i = 0; i < o.Starts; i++)
            {
                if (service is not null)
                {
                    await service.DisposeAsync();
                }
                service = await ServerProcess.StartAsync(o.ServiceDll, serviceArgs, serviceDirectory, SmtpSink.FreePort(), timeout);
                serviceStarts.Add(service.Ready);
            }
            await Task.Delay(TimeSpan.FromSeconds(5));
            var serviceIdle = service!.Rss();

            using var client = new LoadClient(o.Workers);
            var (samplePath, sampleToken) = (Next(new Random(1)).Item1.Split("$skip")[0] + "$skip=0&$count=true", tokens[0]);
            var sample = await client.GetStringAsync(new Uri(service.BaseAddress, samplePath), sampleToken);
            await File.WriteAllTextAsync(bodyFile, sample);

            for (var i = 0; i < o.Starts; i++)
            {
                if (baseline is not null)
                {
                    await baseline.DisposeAsync();
                }
                baseline = await ServerProcess.StartAsync(benchDll, ["baseline-server", "--body", bodyFile], serviceDirectory, SmtpSink.FreePort(), timeout);
                baselineStarts.Add(baseline.Ready);
            }
            await Task.Delay(TimeSpan.FromSeconds(5));
            var baselineIdle = baseline!.Rss();
            Console.WriteLine($"[read {label}] ready after {Report.Seconds(Report.Median(serviceStarts))} (baseline {Report.Seconds(Report.Median(baselineStarts))}); idle RSS {Report.Mb(serviceIdle)} (baseline {Report.Mb(baselineIdle)})");

            // 3. Read path: warm both, then alternate baseline and service so drift on a shared machine hits both alike.
            await client.RunAsync(baseline.BaseAddress, Next, o.Warmup, seed: 0);
            await client.RunAsync(service.BaseAddress, Next, o.Warmup, seed: 0);
            var serviceRuns = new List<LoadResult>();
            var baselineRuns = new List<LoadResult>();
            long peak = 0;
            for (var round = 0; round < o.Rounds; round++)
            {
                baselineRuns.Add(await client.RunAsync(baseline.BaseAddress, Next, o.Duration, seed: round + 1));
                using var sampling = new CancellationTokenSource();
                var peakTask = service.PeakRssAsync(sampling.Token);
                serviceRuns.Add(await client.RunAsync(service.BaseAddress, Next, o.Duration, seed: round + 1));
                await sampling.CancelAsync();
                peak = Math.Max(peak, await peakTask);
                Console.WriteLine($"[read {label}] round {round + 1}: service {serviceRuns[^1].PerSecond:0}/s p99 {serviceRuns[^1].Percentile(99):0.0} ms, baseline {baselineRuns[^1].PerSecond:0}/s p99 {baselineRuns[^1].Percentile(99):0.0} ms");
            }
            await Task.Delay(TimeSpan.FromSeconds(5));
            var serviceAfter = service.Rss();
            var s = LoadResult.Combine(serviceRuns);
            var b = LoadResult.Combine(baselineRuns);
            var ratio = s.PerSecond / b.PerSecond;

            var report = new Report().Heading($"3. Message Center read path on {label}");
            report.Line($"{o.Messages:#,0} messages, each posted to {o.TenantsPerMessage} of {o.Tenants:#,0} tenants ({o.Messages * o.TenantsPerMessage:#,0} message-tenant rows, "
                + $"about {o.Messages * o.TenantsPerMessage / o.Tenants:#,0} messages per tenant). The service runs as its own process (`dotnet ChangeDesk.dll`, "
                + "Production settings). Each request is `GET /graph/v1.0/admin/serviceAnnouncement/messages` as a random tenant's reader (bearer token), "
                + "with one of four `$filter`s (category; lastModifiedDateTime ge; services/any; isMajorChange or severity), `$top=25`, "
                + $"`$skip` 0–75 and `$count=true` on the first page. Load: {o.Workers} closed-loop HttpClient workers on loopback, "
                + $"{o.Rounds} × {o.Duration.TotalSeconds:0} s per server after {o.Warmup.TotalSeconds:0} s of warm-up, alternating with the baseline: "
                + $"bare Kestrel (`WebApplication.CreateSlimBuilder`, one `MapGet`) answering the same path with a fixed body, a real answer of the "
                + $"service ({new FileInfo(bodyFile).Length / 1024.0:0.0} KB).").Line();
            report.Table(["server", "requests/s", "p50", "p90", "p99", "max", "errors"],
            [
                ["ChangeDesk Graph list", Report.N(s.PerSecond), Report.Ms(s.Percentile(50)), Report.Ms(s.Percentile(90)), Report.Ms(s.Percentile(99)), Report.Ms(s.Percentile(100)), Report.N(s.Errors)],
                ["baseline: bare Kestrel, fixed body", Report.N(b.PerSecond), Report.Ms(b.Percentile(50)), Report.Ms(b.Percentile(90)), Report.Ms(b.Percentile(99)), Report.Ms(b.Percentile(100)), Report.N(b.Errors)],
            ]);
            report.Table(["target", "measured", "target", ""],
            [
                ["requests/s vs bare Kestrel (same run)", Report.Percent(ratio), "≥ 40 %", Report.Met(ratio >= 0.40)],
                ["p99 latency", Report.Ms(s.Percentile(99)), "< 20 ms", Report.Met(s.Percentile(99) < 20)],
            ]);

            var start = Report.Median(serviceStarts);
            var baseStart = Report.Median(baselineStarts);
            report.Heading($"4. Memory and start-up on {label}");
            report.Line($"The same processes. Start-up: from `Process.Start` to the first 200 from `/healthz` (polled every 5 ms), median of {o.Starts} starts "
                + $"(range in brackets). RSS is VmRSS from /proc: idle 5 s after start (before any request), peak while serving load 3 (sampled every 100 ms), "
                + "and idle again 5 s after the load.").Line();
            report.Table(["measurement", "ChangeDesk", "baseline: bare Kestrel", "ratio", "target", ""],
            [
                ["start → /healthz ready", $"{Report.Seconds(start)} ({Report.Seconds(serviceStarts.Min())}–{Report.Seconds(serviceStarts.Max())})",
                    $"{Report.Seconds(baseStart)} ({Report.Seconds(baselineStarts.Min())}–{Report.Seconds(baselineStarts.Max())})",
                    $"{start / baseStart:0.0}×", "< 2 s", Report.Met(start < TimeSpan.FromSeconds(2))],
                ["RSS idle after start", Report.Mb(serviceIdle), Report.Mb(baselineIdle), $"{serviceIdle / (double)baselineIdle:0.0}×", "< 150 MB", Report.Met(serviceIdle < 150L * 1024 * 1024)],
                ["RSS peak under load 3", Report.Mb(peak), "", "", "", ""],
                ["RSS idle after load 3", Report.Mb(serviceAfter), "", "", "", ""],
            ]);
            report.Line($"Seeding the read-path database took {Report.Seconds(seeding)}.").Line();
            await report.SaveAsync(o.Out);
        }
        finally
        {
            if (service is not null)
            {
                await service.DisposeAsync();
            }
            if (baseline is not null)
            {
                await baseline.DisposeAsync();
            }
        }
    }

    /// <summary>Tenants with one reader and an API token each; changes with their messages, each posted to several tenants.</summary>
    static async Task<(string[] Tokens, TimeSpan Time)> SeedAsync(BenchDatabase database, Options o, DateTimeOffset now)
    {
        var random = new Random(42);
        var tenants = Enumerable.Range(0, o.Tenants).Select(i => new Tenant { Name = $"Tenant {i:D5}", CreatedAt = now }).ToList();
        var users = tenants.Select((t, i) => new User
        {
            Email = $"reader-{i:D5}@bench.test",
            DisplayName = $"Reader of {t.Name}",
            Role = Role.TenantReader,
            TenantId = t.Id,
            CreatedAt = now,
        }).ToList();
        var secrets = users.Select((_, i) => $"cdk_bench{i:D5}_{Guid.NewGuid():n}").ToArray();
        var tokens = users.Select((u, i) => new ApiToken
        {
            UserId = u.Id,
            TenantId = u.TenantId,
            Name = "bench",
            Prefix = secrets[i][..10],
            TokenHash = Accounts.HashToken(secrets[i]),
            CreatedAt = now,
        }).ToList();
        var changes = new List<Change>(o.Messages);
        var messages = new List<Message>(o.Messages);
        var posted = new List<MessageTenant>(o.Messages * o.TenantsPerMessage);
        var categories = MessageCategory.All;
        for (var i = 0; i < o.Messages; i++)
        {
            var at = now.AddMinutes(-(o.Messages - i));
            var services = ServiceNames.OrderBy(_ => random.Next()).Take(1 + random.Next(2)).ToList();
            var change = new Change
            {
                Id = i + 1,
                Title = $"Change {i + 1}",
                TypeKey = ChangeTypeCatalog.Functionality,
                Subtype = "feature-update",
                Scope = Scope.ManagedService,
                TargetsAllTenants = false,
                Services = services,
                CreatedAt = at,
                UpdatedAt = at,
                PlannedStart = at.AddDays(30),
            };
            // Seeded as rows, not saved through the service: the announce's events are never handled.
            change.Announce(at);
            changes.Add(change);
            var message = new Message
            {
                Id = $"MC{100001 + i}",
                Number = 100001 + i,
                ChangeId = change.Id,
                Title = $"Planned change {i + 1} to {services[0]}",
                Category = categories[i % categories.Length],
                Severity = random.Next(10) == 0 ? MessageSeverity.High : MessageSeverity.Normal,
                IsMajorChange = random.Next(20) == 0,
                Services = services,
                Tags = [MessageTags.FeatureUpdate],
                StartDateTime = at.AddDays(30),
                EndDateTime = at.AddDays(31),
                CreatedDateTime = at,
                LastModifiedDateTime = at,
                BodyMarkdown = $"{services[0]} changes how new sites are shared. Review the defaults before the change starts.",
                BodyHtml = $"<p>{services[0]} changes how new sites are shared. Review the defaults before the change starts.</p>",
            };
            messages.Add(message);
            foreach (var t in Enumerable.Range(0, o.Tenants).OrderBy(_ => random.Next()).Take(o.TenantsPerMessage))
            {
                posted.Add(new MessageTenant { MessageId = message.Id, TenantId = tenants[t].Id, PostedAt = at, LastModifiedDateTime = at });
            }
        }

        await using var app = await BenchHost.BuildAsync(database, backgroundJobs: false);
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("bench");
        var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        var details = new BulkColumn("Details", _ => "[]", null, database.IsPostgres ? NpgsqlTypes.NpgsqlDbType.Jsonb : null);
        var time = await Bulk.WriteAsync(db,
        [
            BulkRows.For(db, tenants), BulkRows.For(db, users), BulkRows.For(db, tokens), BulkRows.For(db, changes),
            BulkRows.For(db, messages, details), BulkRows.For(db, posted),
        ]);
        if (database.IsPostgres)
        {
            // What autovacuum does shortly after a bulk load; done now so the plans do not change during the run.
            await db.Database.ExecuteSqlRawAsync("ANALYZE");
        }
        var visible = await db.MessageTenants.IgnoreQueryFilters().CountAsync(t => t.TenantId == tenants[0].Id);
        if (visible == 0 || await db.Messages.IgnoreQueryFilters().CountAsync() != o.Messages)
        {
            throw new InvalidOperationException("The read-path seed is not readable through the service's model.");
        }
        await db.Database.CloseConnectionAsync();
        SqliteConnection.ClearAllPools();
        return (secrets, time);
    }
}
