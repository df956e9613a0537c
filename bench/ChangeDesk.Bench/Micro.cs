using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace ChangeDesk.Bench;

/// <summary>BenchmarkDotNet for the small hot paths; each class has a baseline method, so its Ratio column is same-run.</summary>
public static class Micro
{
    public static async Task RunAsync(string? output, bool quick)
    {
        var artifacts = Path.Combine(Path.GetTempPath(), "changedesk-bench", "bdn-" + Guid.NewGuid().ToString("n"));
        var job = (quick ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var summaries = BenchmarkRunner.Run([typeof(ODataBenchmarks), typeof(NoticeBenchmarks), typeof(AuditHashBenchmarks)], config);
        var report = new Report().Heading("5. Micro paths (BenchmarkDotNet 0.15.8)");
        report.Line(quick
            ? "`Job.Dry` (one invocation each: a smoke test, not a measurement)."
            : "`Job.ShortRun` in process (3 warm-ups, 3 iterations); `Ratio` is against the class's baseline method in the same run: "
                + "the OData library's own `$filter` parse against ChangeDesk's whole parse (all options, checked, translated to LINQ) and parse + "
                + "EF Core SQL generation; a naive `AddDays` against the notice rule in UTC and across a DST switch; a bare SHA-256 of the same bytes "
                + "against the audit chain's hash of one record.").Line();
        foreach (var summary in summaries)
        {
            report.Line($"**{summary.BenchmarksCases.First().Descriptor.Type.Name}**").Line();
            var file = Directory.GetFiles(Path.Combine(artifacts, "results"), $"*{summary.BenchmarksCases.First().Descriptor.Type.Name}-report-github.md").FirstOrDefault();
            var lines = file is null ? [] : (await File.ReadAllLinesAsync(file)).SkipWhile(l => !l.StartsWith('|')).ToArray();
            foreach (var line in lines)
            {
                report.Line(line);
            }
            report.Line();
        }
        await report.SaveAsync(output);
    }
}

[MemoryDiagnoser]
public class ODataBenchmarks
{
    static readonly Dictionary<string, string> Raw = new()
    {
        ["$filter"] = "category eq 'planForChange' and lastModifiedDateTime ge 2026-01-01T00:00:00Z and services/any(s:s eq 'Microsoft Teams')",
        ["$top"] = "25",
        ["$skip"] = "25",
        ["$count"] = "true",
    };

    readonly IQueryCollection query = new QueryCollection(Raw.ToDictionary(p => p.Key, p => new StringValues(p.Value)));
    readonly IEdmEntityType type = (IEdmEntityType)MessageOData.Model.FindDeclaredType("microsoft.graph.serviceUpdateMessage");
    readonly IEdmEntitySet set = MessageOData.Model.EntityContainer.FindEntitySet("messages");
    ChangeDeskDb db = null!;
    MessageQueryOptions options = null!;

    [GlobalSetup]
    public void Setup()
    {
        db = new SqliteChangeDeskDb(new DbContextOptionsBuilder<SqliteChangeDeskDb>().UseSqlite("Data Source=:memory:").Options,
            new CurrentUser(new HttpContextAccessor()), TimeProvider.System);
        options = MessageOData.Parse(query);
    }

    [GlobalCleanup]
    public void Cleanup() => db.Dispose();

    [Benchmark(Baseline = true)]
    public FilterClause? ODataLibParseFilterOnly() =>
        new ODataQueryOptionParser(MessageOData.Model, type, set, Raw) { Resolver = new ODataUriResolver { EnableCaseInsensitive = true } }.ParseFilter();

    [Benchmark]
    public MessageQueryOptions MessageODataParse() => MessageOData.Parse(query);

    [Benchmark]
    public string ParseAndTranslateToSql() =>
        MessageOData.ApplyOrder(MessageOData.ApplyFilter(MessageCenterService.Posted(db, Guid.Empty), MessageOData.Parse(query)), options)
            .Skip(25).Take(26).Select(p => p.Message).ToQueryString();
}

[MemoryDiagnoser]
public class NoticeBenchmarks
{
    static readonly DateTimeOffset Now = new(2026, 3, 25, 9, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset Start = new(2026, 3, 30, 9, 0, 0, TimeSpan.Zero);
    static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Benchmark(Baseline = true)]
    public bool NaiveAddDays() => Start >= Now.AddDays(5);

    [Benchmark]
    public NoticeDecision NoticeCheckUtc() => NoticePolicy.Check(Now, Start, true, false, 5, Utc);

    [Benchmark]
    public NoticeDecision NoticeCheckBerlinAcrossDst() => NoticePolicy.Check(Now, Start, true, false, 5, Berlin);
}

[MemoryDiagnoser]
public class AuditHashBenchmarks
{
    static readonly string After = System.Text.Json.JsonSerializer.Serialize(new SortedDictionary<string, object?>
    {
        ["ChangeId"] = 42,
        ["CompletedAt"] = null,
        ["CreatedAt"] = DateTimeOffset.UnixEpoch,
        ["Id"] = Guid.Empty,
        ["Ordinal"] = 3,
        ["Party"] = 1,
        ["Phase"] = 0,
        ["TenantId"] = Guid.Empty,
        ["Text"] = "Review and update internal change management processes",
    });
    static readonly byte[] Bytes = Encoding.UTF8.GetBytes(new string('x', 420) + After);

    [Benchmark(Baseline = true)]
    public byte[] Sha256OfSameBytes() => SHA256.HashData(Bytes);

    [Benchmark]
    public string AuditChainComputeHash() => AuditChain.ComputeHash(123456, DateTimeOffset.UnixEpoch, Guid.Empty, "Release Manager", Guid.Empty, 42,
        "ChecklistTask", Guid.Empty.ToString(), "created", "Announce change", null, After, AuditChain.GenesisHash);
}
