using System.Diagnostics;
using System.Globalization;

namespace ChangeDesk.Bench;

/// <summary>
/// A server started as its own process (`dotnet app.dll …`) on a loopback port: how long until /healthz answers
/// 200, and its resident memory, read from /proc.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    readonly Process process;
    readonly Queue<string> lastLines = new();

    ServerProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public TimeSpan Ready { get; private set; }
    public int Id => process.Id;

    public static async Task<ServerProcess> StartAsync(string dll, IEnumerable<string> args, string workingDirectory, int port, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.GetFullPath(dll));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var start = Stopwatch.GetTimestamp();
        var server = new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException("Could not start " + dll), baseAddress);
        server.process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        server.process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        while (true)
        {
            try
            {
                using var response = await probe.GetAsync(new Uri(baseAddress, "healthz"));
                if (response.IsSuccessStatusCode)
                {
                    server.Ready = Stopwatch.GetElapsedTime(start);
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }
            if (server.process.HasExited || Stopwatch.GetElapsedTime(start) > timeout)
            {
                var output = server.Output;
                await server.DisposeAsync();
                throw new InvalidOperationException($"{Path.GetFileName(dll)} did not become ready within {timeout}:\n{output}");
            }
            await Task.Delay(5);
        }
    }

    void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (lastLines)
        {
            lastLines.Enqueue(line);
            while (lastLines.Count > 40)
            {
                lastLines.Dequeue();
            }
        }
    }

    public string Output
    {
        get
        {
            lock (lastLines)
            {
                return string.Join('\n', lastLines);
            }
        }
    }

    /// <summary>Resident set size in bytes (VmRSS).</summary>
    public long Rss()
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>Samples RSS until cancelled; returns the peak.</summary>
    public async Task<long> PeakRssAsync(CancellationToken ct)
    {
        long peak = 0;
        while (!ct.IsCancellationRequested)
        {
            peak = Math.Max(peak, Rss());
            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return Math.Max(peak, Rss());
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
