using System.Diagnostics;

namespace ChangeDesk.Tests.Support;

/// <summary>
/// The service as it is deployed: <c>dotnet ChangeDesk.dll</c> of the build of the same configuration as the tests
/// (src/ChangeDesk/bin/&lt;configuration&gt;/net10.0), a process of its own with its own real clock, configured by
/// command-line settings. <see cref="Kill"/> is <c>kill -9</c>: no shutdown code runs.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    readonly Process process;
    readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly List<string> output = [];

    ServiceProcess(Process process)
    {
        this.process = process;
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>What the process wrote to its console so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join('\n', output);
            }
        }
    }

    public static ServiceProcess Start(IReadOnlyDictionary<string, string> settings)
    {
        var dll = ServiceDll();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        var all = new Dictionary<string, string>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        foreach (var (key, value) in all)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var service = new ServiceProcess(new Process { StartInfo = info });
        service.process.OutputDataReceived += (_, e) => service.Received(e.Data);
        service.process.ErrorDataReceived += (_, e) => service.Received(e.Data);
        service.process.Start();
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        return service;
    }

    void Received(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.Add(line);
        }
        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            started.TrySetResult();
        }
    }

    /// <summary>Waits until the host has started (its background services run by then).</summary>
    public async Task StartedAsync(TimeSpan? timeout = null)
    {
        var waited = await Task.WhenAny(started.Task, process.WaitForExitAsync(), Task.Delay(timeout ?? Poll.DefaultTimeout, TestContext.Current.CancellationToken));
        if (waited != started.Task)
        {
            Assert.Fail($"The service process {Id} did not start{(process.HasExited ? $" (it exited with {process.ExitCode})" : "")}:\n{Output}");
        }
    }

    /// <summary>SIGKILL: the process ends at once, in whatever it was doing.</summary>
    public void Kill() => process.Kill(entireProcessTree: false);

    static string ServiceDll()
    {
        // The tests run from tests/ChangeDesk.Tests/bin/<configuration>/<framework>/.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChangeDesk.slnx")))
        {
            root = root.Parent;
        }
        Assert.True(root is not null, $"The repository root (ChangeDesk.slnx) was not found above {AppContext.BaseDirectory}.");
        var dll = Path.Combine(root!.FullName, "src", "ChangeDesk", "bin", configuration, framework, "ChangeDesk.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution in {configuration} first.");
        return dll;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync();
        process.Dispose();
    }
}
