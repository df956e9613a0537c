using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace ChangeDesk.Bench;

/// <summary>What a load run measured.</summary>
public sealed record LoadResult(long Requests, long Errors, TimeSpan Elapsed, double[] LatenciesMs)
{
    /// <summary>Each request's start (ms after the run's start) and latency, for looking at a window of the run.</summary>
    public IReadOnlyList<(double StartMs, double LatencyMs)> Timeline { get; init; } = [];

    /// <summary>Stopwatch timestamp of the run's start.</summary>
    public long Started { get; init; }

    /// <summary>The first failed answer (status and the start of its body), for the console.</summary>
    public string? FirstError { get; init; }

    public double PerSecond => Requests / Elapsed.TotalSeconds;

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }
        var index = (int)Math.Ceiling(p / 100 * LatenciesMs.Length) - 1;
        return LatenciesMs[Math.Clamp(index, 0, LatenciesMs.Length - 1)];
    }

    /// <summary>The requests that started between two stopwatch timestamps (their latencies, sorted).</summary>
    public double[] StartedBetween(long from, long to)
    {
        var fromMs = Stopwatch.GetElapsedTime(Started, from).TotalMilliseconds;
        var toMs = Stopwatch.GetElapsedTime(Started, to).TotalMilliseconds;
        var within = Timeline.Where(t => t.StartMs >= fromMs && t.StartMs <= toMs).Select(t => t.LatencyMs).ToArray();
        Array.Sort(within);
        return within;
    }

    public static LoadResult Combine(IReadOnlyCollection<LoadResult> runs)
    {
        var all = runs.SelectMany(r => r.LatenciesMs).ToArray();
        Array.Sort(all);
        return new LoadResult(runs.Sum(r => r.Requests), runs.Sum(r => r.Errors), TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)), all);
    }
}

/// <summary>One request of a load run: method, path, bearer token and an optional JSON body.</summary>
public sealed record LoadRequest(HttpMethod Method, string Path, string Token, string? Json = null)
{
    public static LoadRequest Get(string path, string token) => new(HttpMethod.Get, path, token);
    public static LoadRequest Post(string path, string token, string json) => new(HttpMethod.Post, path, token, json);
}

/// <summary>
/// A closed-loop load generator on loopback: N workers, each sending its next request as soon as the previous
/// answer is read, for a fixed time. Every answer must be 2xx with a body. With several servers, requests go to
/// them in turn (round-robin over all workers' requests), as a load balancer would spread them.
/// </summary>
public sealed class LoadClient(int workers) : IDisposable
{
    readonly HttpClient http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = workers,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Runs for <paramref name="duration"/>; <paramref name="next"/> gives each request's path and bearer token.</summary>
    public Task<LoadResult> RunAsync(Uri baseAddress, Func<Random, (string Path, string Token)> next, TimeSpan duration, int seed) =>
        RunAsync([baseAddress], (_, random) =>
        {
            var (path, token) = next(random);
            return LoadRequest.Get(path, token);
        }, duration, seed);

    /// <summary>
    /// Runs for <paramref name="duration"/> or until <paramref name="stop"/> is cancelled, with <paramref name="concurrency"/>
    /// workers (at most the client's); <paramref name="next"/> gives each request of a worker (by its index).
    /// </summary>
    public async Task<LoadResult> RunAsync(IReadOnlyList<Uri> servers, Func<int, Random, LoadRequest> next, TimeSpan duration, int seed,
        int? concurrency = null, CancellationToken stop = default)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        long turn = 0;
        string? firstError = null;
        var tasks = Enumerable.Range(0, Math.Min(concurrency ?? workers, workers)).Select(w => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + w);
            var timeline = new List<(double, double)>(16_384);
            long errors = 0;
            while (Stopwatch.GetTimestamp() < deadline && !stop.IsCancellationRequested)
            {
                var item = next(w, random);
                var server = servers[(int)(Interlocked.Increment(ref turn) % servers.Count)];
                using var request = new HttpRequestMessage(item.Method, new Uri(server, item.Path));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", item.Token);
                if (item.Json is not null)
                {
                    request.Content = new StringContent(item.Json, Encoding.UTF8, "application/json");
                }
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode || body.Length == 0)
                    {
                        errors++;
                        Interlocked.CompareExchange(ref firstError, $"{item.Method} {item.Path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}", null);
                    }
                }
                catch (HttpRequestException e)
                {
                    errors++;
                    Interlocked.CompareExchange(ref firstError, $"{item.Method} {item.Path}: {e.Message}", null);
                }
                timeline.Add((Stopwatch.GetElapsedTime(started, start).TotalMilliseconds, Stopwatch.GetElapsedTime(start).TotalMilliseconds));
            }
            return (timeline, errors);
        })).ToList();
        var results = await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var timeline = results.SelectMany(r => r.timeline).ToList();
        var all = timeline.Select(t => t.Item2).ToArray();
        Array.Sort(all);
        return new LoadResult(all.Length, results.Sum(r => r.errors), elapsed, all) { Timeline = timeline, Started = started, FirstError = firstError };
    }

    public async Task<string> GetStringAsync(Uri uri, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {uri} answered {(int)response.StatusCode}: {body}");
        }
        return body;
    }

    /// <summary>POSTs a JSON body (or none) and returns the answer's body; anything but 2xx throws.</summary>
    public async Task<string> PostAsync(Uri uri, string token, string? json = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {uri} answered {(int)response.StatusCode}: {body}");
        }
        return body;
    }

    public void Dispose() => http.Dispose();
}
