using System.Diagnostics;
using ChangeDesk.Changes;
using ChangeDesk.Changes.Create;
using ChangeDesk.Changes.Transition;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Bench;

/// <summary>
/// Scenario 1: one provider change announced to every tenant through the service's own code path
/// (TransitionChange.HandleAsync as a release manager), against a raw bulk insert of the same rows through the
/// same provider in the same run.
/// </summary>
public static class FanOutBench
{
    public sealed record Options(string Provider, string? Postgres, int Tenants, int UsersPerTenant, int BaselineRuns, TimeSpan Limit, string? Out);

    public static async Task RunAsync(Options o)
    {
        var now = DateTimeOffset.UtcNow;
        var seed = Seed.Create(o.Tenants, o.UsersPerTenant, now);
        var probe = new DbProbe();
        Measured? announce;
        List<MessageTenant> messageTenants;
        List<OutboxMessage> outbox;
        List<EmailContent> contents;
        Change change;
        Message message;
        string label;
        bool postgres;
        TimeSpan seeding;
        await using (var database = await BenchDatabase.CreateAsync(o.Provider, o.Postgres, "fanout"))
        {
            label = database.Label;
            postgres = database.IsPostgres;
            await using var app = await BenchHost.BuildAsync(database, backgroundJobs: false, probe);
            using (var scope = AsSystem(app))
            {
                seeding = await seed.WriteAsync(scope.ServiceProvider.GetRequiredService<ChangeDeskDb>());
            }
            Console.WriteLine($"[fanout {label}] seeded {o.Tenants:#,0} tenants and {seed.Users.Count:#,0} people in {Report.Seconds(seeding)}");

            // Warm-up on three tenants: the same code, JIT-compiled and with EF's queries cached before the timed run.
            var warm = await CreateAsync(app, seed, Seed.Change("Warm-up", now, allTenants: false, seed.Tenants.Take(3).Select(t => t.Id).ToList()));
            await AnnounceAsync(app, seed, warm, probe, o.Limit);

            var id = await CreateAsync(app, seed, Seed.Change("Fan-out", now, allTenants: true));
            announce = await AnnounceAsync(app, seed, id, probe, o.Limit);
            using var read = AsSystem(app);
            var db = read.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            change = await db.Changes.AsNoTracking().SingleAsync(c => c.Id == id);
            if (announce is null)
            {
                // Not committed within the limit: the baseline still needs the rows, so build them as the announce would have.
                Console.WriteLine($"[fanout {label}] announce did not commit within {o.Limit.TotalSeconds:0} s; cancelled");
                change.Announce(now);
                message = new Message
                {
                    Id = "MC999999",
                    Number = 999999,
                    ChangeId = id,
                    Title = change.Title,
                    Category = MessageCategory.PlanForChange,
                    Severity = MessageSeverity.Normal,
                    CreatedDateTime = now,
                    LastModifiedDateTime = now,
                    StartDateTime = change.PlannedStart,
                };
                messageTenants = seed.Tenants.Select(t => new MessageTenant { MessageId = message.Id, TenantId = t.Id, PostedAt = now, LastModifiedDateTime = now }).ToList();
                (contents, outbox) = EmailBench.Rows(o.Tenants * o.UsersPerTenant, now);
            }
            else
            {
                Console.WriteLine($"[fanout {label}] announce committed after {Report.Seconds(announce.UntilCommit)}, returned after {Report.Seconds(announce.Whole)}, {announce.Commands:#,0} SQL commands");
                message = await db.Messages.AsNoTracking().SingleAsync(m => m.ChangeId == id);
                messageTenants = await db.MessageTenants.AsNoTracking().Where(t => t.MessageId == message.Id).ToListAsync();
                outbox = await db.Outbox.AsNoTracking().Where(r => r.MessageId == message.Id && r.Channel == Channels.Email).ToListAsync();
                var contentIds = outbox.Select(r => r.ContentId).OfType<Guid>().Distinct().ToList();
                contents = await db.EmailContents.AsNoTracking().Where(c => contentIds.Contains(c.Id)).ToListAsync();
                var tasks = await db.ChecklistTasks.CountAsync(t => t.ChangeId == id);
                var audit = await db.AuditRecords.CountAsync(r => r.ChangeId == id);
                Check(messageTenants.Count == o.Tenants, $"{messageTenants.Count} message tenants, expected {o.Tenants}");
                Check(outbox.Count == o.Tenants * o.UsersPerTenant, $"{outbox.Count} outbox emails, expected {o.Tenants * o.UsersPerTenant}");
                announce = announce with { Tasks = tasks, AuditRecords = audit };
            }
        }

        // The baseline: the same rows (same sizes, fresh keys) into an identically seeded database of the same provider.
        var raw = new List<(string Method, TimeSpan Time)>();
        await using (var database = await BenchDatabase.CreateAsync(o.Provider, o.Postgres, "fanoutraw"))
        {
            await using var app = await BenchHost.BuildAsync(database, backgroundJobs: false);
            using var scope = AsSystem(app);
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            await seed.WriteAsync(db);
            await Bulk.WriteAsync(db, [BulkRows.For(db, [change]), BulkRows.For(db, [message], Details(db))]);
            var methods = database.IsPostgres ? new[] { "binary COPY", "prepared multi-row INSERT" }
                : ["prepared INSERT, executed per row", "prepared INSERT bound by position (sqlite3 API), executed per row"];
            for (var run = 0; run < o.BaselineRuns; run++)
            {
                foreach (var method in methods)
                {
                    var newIds = contents.ToDictionary(c => c.Id, _ => Guid.CreateVersion7());
                    var texts = contents.Select(c => new EmailContent { Id = newIds[c.Id], Text = c.Text, Html = c.Html, CreatedAt = c.CreatedAt }).ToList();
                    var rows = outbox.Select(r => Copy(r, run, r.ContentId is { } id ? newIds[id] : null)).ToList();
                    var time = await Bulk.WriteAsync(db, [BulkRows.For(db, messageTenants), BulkRows.For(db, texts), BulkRows.For(db, rows)],
                        copyOnPostgres: method == "binary COPY", sqliteApi: method.Contains("sqlite3 API"));
                    raw.Add((method, time));
                    Console.WriteLine($"[fanout {label}] raw insert ({method}) {Report.Seconds(time)}");
                    await db.MessageTenants.IgnoreQueryFilters().Where(t => t.MessageId == message.Id).ExecuteDeleteAsync();
                    await db.Outbox.IgnoreQueryFilters().ExecuteDeleteAsync();
                    await db.EmailContents.ExecuteDeleteAsync();
                }
            }
        }

        var rowsWritten = messageTenants.Count + outbox.Count + contents.Count;
        var byMethod = raw.GroupBy(r => r.Method).Select(g => (Method: g.Key, Median: Report.Median(g.Select(x => x.Time)))).OrderBy(m => m.Median).ToList();
        var baseline = byMethod[0];
        var report = new Report().Heading($"1. Announce fan-out on {label}");
        report.Line($"One provider change (admin action required, so every person wants the email) announced to all {o.Tenants:#,0} tenants, "
            + $"{o.UsersPerTenant} people each, by `TransitionChange.HandleAsync(id, Announce)` in a scope acting as a release manager "
            + "(host from `ChangeDeskApp.CreateBuilder`, background jobs off, after a warm-up announce to 3 tenants). Timed from the call to the "
            + "commit of its transaction (seen by a `DbTransactionInterceptor`), and to the return of the call, which also reads the change back "
            + $"for the API. The baseline writes the same {rowsWritten:#,0} rows (message-tenant rows, outbox rows and the email contents they share, as the announce stored them, new keys) "
            + $"in one transaction into an identically seeded database: median of {o.BaselineRuns}.").Line();
        var targets = new List<string[]>();
        if (announce is null)
        {
            report.Table(["measurement", "time", "rows (message-tenants + outbox + email contents)", "rate"],
            [
                ["announce, until commit", $"> {o.Limit.TotalSeconds:0} s (cancelled at the limit)", Report.N(rowsWritten), $"< {Report.Rate(rowsWritten / o.Limit.TotalSeconds)}"],
                .. byMethod.Select(m => new[] { $"baseline: raw {m.Method}", Report.Seconds(m.Median), Report.N(rowsWritten), Report.Rate(rowsWritten / m.Median.TotalSeconds) }),
            ]);
            targets.Add(["rate vs raw insert (same run)", $"< {Report.Percent(baseline.Median / o.Limit)}", "≥ 25 %", Report.Met(false)]);
            if (!postgres)
            {
                targets.Add(["committed in", $"> {o.Limit.TotalSeconds:0} s", "< 0.5 s", Report.Met(false)]);
            }
            report.Table(["target", "measured", "target", ""], targets);
        }
        else
        {
            var ratio = baseline.Median / announce.UntilCommit;
            report.Table(["measurement", "time", "rows (message-tenants + outbox + email contents)", "rate"],
            [
                ["announce, until commit", Report.Seconds(announce.UntilCommit), Report.N(rowsWritten), Report.Rate(rowsWritten / announce.UntilCommit.TotalSeconds)],
                ["announce, until the call returns", Report.Seconds(announce.Whole), Report.N(rowsWritten), Report.Rate(rowsWritten / announce.Whole.TotalSeconds)],
                .. byMethod.Select(m => new[] { $"baseline: raw {m.Method}", Report.Seconds(m.Median), Report.N(rowsWritten), Report.Rate(rowsWritten / m.Median.TotalSeconds) }),
            ]);
            targets.Add(["rate vs raw insert (same run)", Report.Percent(ratio), "≥ 25 %", Report.Met(ratio >= 0.25)]);
            if (!postgres)
            {
                targets.Add(["committed in", Report.Seconds(announce.UntilCommit), "< 0.5 s", Report.Met(announce.UntilCommit < TimeSpan.FromSeconds(0.5))]);
            }
            report.Table(["target", "measured", "target", ""], targets);
            report.Line($"The announce also wrote {announce.Tasks:#,0} checklist tasks and {announce.AuditRecords:#,0} audit records in the same transaction; "
                + $"it ran {announce.Commands:#,0} SQL commands.");
        }
        report.Line($"Seeding {o.Tenants:#,0} tenants and {seed.Users.Count:#,0} people took {Report.Seconds(seeding)}.").Line();
        await report.SaveAsync(o.Out);
    }

    public sealed record Measured(TimeSpan UntilCommit, TimeSpan Whole, long Commands, int Tasks = 0, int AuditRecords = 0);

    static IServiceScope AsSystem(WebApplication app)
    {
        var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("bench");
        return scope;
    }

    static async Task<int> CreateAsync(WebApplication app, Seed seed, ChangeInput input)
    {
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAs(seed.ReleaseManager);
        return (await scope.ServiceProvider.GetRequiredService<CreateChange>().HandleAsync(input)).Id;
    }

    /// <summary>Announces as a release manager; null when the announce did not commit within the limit.</summary>
    static async Task<Measured?> AnnounceAsync(WebApplication app, Seed seed, int id, DbProbe probe, TimeSpan limit)
    {
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAs(seed.ReleaseManager);
        var transition = scope.ServiceProvider.GetRequiredService<TransitionChange>();
        using var cancel = new CancellationTokenSource(limit);
        var commandsBefore = probe.Commands;
        var start = Stopwatch.GetTimestamp();
        try
        {
            await transition.HandleAsync(id, ChangeAction.Announce, ifMatch: null, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return null;
        }
        var whole = Stopwatch.GetElapsedTime(start);
        var commit = probe.LastCommit > start ? Stopwatch.GetElapsedTime(start, probe.LastCommit) : whole;
        return new Measured(commit, whole, probe.Commands - commandsBefore);
    }

    static BulkColumn Details(DbContext db) =>
        new("Details", m => System.Text.Json.JsonSerializer.Serialize(((Message)m).Details), null,
            db.Database.IsNpgsql() ? NpgsqlTypes.NpgsqlDbType.Jsonb : null);

    static OutboxMessage Copy(OutboxMessage r, int run, Guid? contentId) => new()
    {
        Channel = r.Channel,
        EventType = r.EventType,
        Recipient = r.Recipient,
        RecipientName = r.RecipientName,
        TenantId = r.TenantId,
        ChangeId = r.ChangeId,
        MessageId = r.MessageId,
        Subject = r.Subject,
        Body = r.Body,
        HtmlBody = r.HtmlBody,
        ContentId = contentId,
        DedupKey = $"{r.DedupKey}:raw{run}",
        CreatedAt = r.CreatedAt,
        DueAt = r.DueAt,
    };

    static void Check(bool ok, string problem)
    {
        if (!ok)
        {
            throw new InvalidOperationException("Fan-out did not write what it should: " + problem);
        }
    }
}
