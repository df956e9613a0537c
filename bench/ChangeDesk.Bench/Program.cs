using System.Globalization;
using ChangeDesk.Bench;

// The benchmark scenarios, one per command; bench/run.sh runs them all and assembles bench/results/*.md.
if (args.Length == 0)
{
    Console.WriteLine("""
        ChangeDesk.Bench <command> [options]   (bench/run.sh runs everything; see bench/README.md)
          fanout  --provider sqlite|postgres [--postgres <cs>] [--tenants 10000] [--users 3] [--baseline-runs 3] [--limit-seconds 600] [--out <file>]
          email   --provider sqlite|postgres [--postgres <cs>] [--emails 30000] [--limit-seconds 600] [--out <file>]
          read    --provider sqlite|postgres [--postgres <cs>] --service <ChangeDesk.dll> [--tenants 1000] [--messages 100000]
                  [--per-message 10] [--workers 4] [--seconds 10] [--rounds 2] [--warmup 3] [--starts 5] [--out <file>]
          scale   --postgres <cs> --service <ChangeDesk.dll> [--instances 1,3] [--clients 8,32] [--seconds 10] [--warmup 2] [--rounds 3]
                  [--tenants 128] [--announce-tenants 10000] [--announce-instances 1,3] [--pg-log <server log>] [--out <file>]
          micro   [--quick] [--out <file>]
          baseline-server --body <file> --urls <url>
        """);
    return 1;
}

var options = Options.Parse(args.Skip(1));
switch (args[0])
{
    case "fanout":
        await FanOutBench.RunAsync(new(options.Provider, options.Postgres, options.Int("tenants", 10_000), options.Int("users", 3),
            options.Int("baseline-runs", 3), TimeSpan.FromSeconds(options.Int("limit-seconds", 600)), options.Out));
        break;
    case "email":
        await EmailBench.RunAsync(new(options.Provider, options.Postgres, options.Int("emails", 30_000), options.Out,
            TimeSpan.FromSeconds(options.Int("limit-seconds", 600))));
        break;
    case "read":
        await ReadPathBench.RunAsync(new(options.Provider, options.Postgres, options.Int("tenants", 1_000), options.Int("messages", 100_000),
            options.Int("per-message", 10), options.Int("workers", 4), TimeSpan.FromSeconds(options.Int("seconds", 10)), options.Int("rounds", 2),
            TimeSpan.FromSeconds(options.Int("warmup", 3)), options.Int("starts", 5),
            options.Get("service") ?? throw new ArgumentException("--service <path to ChangeDesk.dll> is required"), options.Out));
        break;
    case "scale":
        await ScaleBench.RunAsync(new(
            options.Postgres ?? throw new ArgumentException("--postgres <connection string> is required: the scale-out runs are PostgreSQL only"),
            options.Get("service") ?? throw new ArgumentException("--service <path to ChangeDesk.dll> is required"),
            options.Ints("instances", [1, 3]), options.Ints("clients", [8, 32]), TimeSpan.FromSeconds(options.Int("seconds", 10)),
            TimeSpan.FromSeconds(options.Int("warmup", 2)), options.Int("rounds", 3), options.Int("tenants", 128), options.Int("announce-tenants", 10_000),
            options.Ints("announce-instances", [1, 3]), options.Get("pg-log"), options.Out));
        break;
    case "micro":
        await Micro.RunAsync(options.Out, options.Flag("quick"));
        break;
    case "baseline-server":
        await BaselineServer.RunAsync(options.Get("body") ?? throw new ArgumentException("--body <file> is required"), args.Skip(1).ToArray());
        break;
    default:
        Console.Error.WriteLine($"Unknown command '{args[0]}'.");
        return 1;
}
return 0;

sealed class Options
{
    readonly Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal) && !arg.Contains('='))
            {
                if (key is not null)
                {
                    options.values[key] = null;
                }
                key = arg[2..];
            }
            else if (key is not null)
            {
                options.values[key] = arg;
                key = null;
            }
        }
        if (key is not null)
        {
            options.values[key] = null;
        }
        return options;
    }

    public string? Get(string name) => values.TryGetValue(name, out var v) ? v : null;
    public bool Flag(string name) => values.ContainsKey(name);
    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public int[] Ints(string name, int[] fallback) => Get(name) is { } v
        ? [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture))]
        : fallback;
    public string Provider => Get("provider") ?? "sqlite";
    public string? Postgres => Get("postgres");
    public string? Out => Get("out");
}
