using System.Diagnostics;
using System.Net.Http.Headers;

namespace ChangeDesk.Bench;

/// <summary>What a load run measured.</summary>
public sealed record LoadResult(long Requests, long Errors, TimeSpan Elapsed, double[] LatenciesMs)
{
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

    public static LoadResult Combine(IReadOnlyCollection<LoadResult> runs)
    {
        var all = runs.SelectMany(r => r.LatenciesMs).ToArray();
        Array.Sort(all);
        return new LoadResult(runs.Sum(r => r.Requests), runs.Sum(r => r.Errors), TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)), all);
    }
}

/// <summary>
/// A closed-loop load generator on loopback: N workers, each sending its next request as soon as the previous
/// answer is read, for a fixed time. Every answer must be 200 with a body.
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
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Runs for <paramref name="duration"/>; <paramref name="next"/> gives each request's path and bearer token.</summary>
    public async Task<LoadResult> RunAsync(Uri baseAddress, Func<Random, (string Path, string Token)> next, TimeSpan duration, int seed)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + w);
            var latencies = new List<double>(16_384);
            long errors = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var (path, token) = next(random);
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode || body.Length == 0)
                    {
                        errors++;
                    }
                }
                catch (HttpRequestException)
                {
                    errors++;
                }
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            return (latencies, errors);
        })).ToList();
        var results = await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var all = results.SelectMany(r => r.latencies).ToArray();
        Array.Sort(all);
        return new LoadResult(all.Length, results.Sum(r => r.errors), elapsed, all);
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

    public void Dispose() => http.Dispose();
}
