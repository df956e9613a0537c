using System.Diagnostics;
using System.Net.Http.Headers;
using ChangeDesk.Audit;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// `ChangeDesk admin …` run as a real process against a SQLite file of the test's own, the way an operator
/// bootstraps an installation; the service is then started on that file to show the result works.
/// </summary>
public sealed class AdminCommandTests : IDisposable
{
    static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    readonly string directory = Path.Combine(Path.GetTempPath(), "changedesk-admin-tests", Guid.NewGuid().ToString("n"));

    public AdminCommandTests() => Directory.CreateDirectory(directory);

    string DatabasePath => Path.Combine(directory, "x.db");

    [Fact]
    public async Task AnOperatorBootstrapsATenantAdminWhoseTokenWorksAgainstTheService()
    {
        var migrate = await AdminAsync("migrate");
        Assert.Equal((0, "Database is up to date."), (migrate.ExitCode, migrate.LastLine));

        var tenant = await AdminAsync("create-tenant", "--name", "Contoso Pharma");
        Assert.Equal(0, tenant.ExitCode);
        var tenantId = Guid.Parse(tenant.LastLine);
        // Scripts read stdout: it carries the command's own lines and nothing else (no log output).
        Assert.Equal(["Created tenant 'Contoso Pharma'.", tenantId.ToString()], tenant.Lines);

        var user = await AdminAsync("create-user", "--email", "Admin@Contoso.example", "--role", "tenant-admin", "--tenant", tenantId.ToString(), "--password", "bootstrap-password");
        Assert.Equal(0, user.ExitCode);
        var userId = Guid.Parse(user.LastLine);

        var token = await AdminAsync("create-token", "--email", "admin@contoso.example");
        Assert.Equal(0, token.ExitCode);
        Assert.StartsWith("cdk_", token.LastLine);

        var verify = await AdminAsync("verify-audit");
        Assert.Equal(0, verify.ExitCode);
        Assert.Matches("^[0-9a-f]{64}$", verify.LastLine);
        Assert.Contains("Audit trail intact", verify.Stdout);

        await using var service = new ExistingDatabaseFactory(DatabasePath);
        await service.InitializeAsync();
        using var client = service.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.LastLine);
        var me = await (await client.GetAsync("/api/me", TestContext.Current.CancellationToken)).ReadAsync<MeView>();
        Assert.Equal((userId, "tenant-admin", tenantId), (me.Id!.Value, me.Role, me.TenantId!.Value));
        var tenants = await (await client.GetAsync("/api/tenants", TestContext.Current.CancellationToken)).ReadAsync<List<TenantView>>();
        Assert.Equal([("Contoso Pharma", tenantId)], tenants.Select(t => (t.Name, t.Id)));
        var audit = await (await client.GetAsync("/api/audit", TestContext.Current.CancellationToken)).ReadAsync<List<AuditEntryView>>();
        Assert.Equal(["Create tenant", "Create user", "Create API token"], audit.Select(r => r.Operation!));
        Assert.All(audit, r => Assert.Equal("admin command", r.Actor));
    }

    [Fact]
    public async Task CreatingAUserWithAnUnknownRoleFailsNamingTheRole()
    {
        await MigratedAsync();
        var tenantId = (await AdminAsync("create-tenant", "--name", "Fabrikam")).LastLine;

        var result = await AdminAsync("create-user", "--email", "x@fabrikam.example", "--role", "superuser", "--tenant", tenantId);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("superuser", result.Stderr);
        Assert.Contains("role", result.Stderr);
        Assert.Contains(Roles.AllNames, result.Stderr);
        Assert.DoesNotContain("Created", result.Stdout);
    }

    [Fact]
    public async Task CreatingATenantAdminWithoutATenantFailsNamingTheTenant()
    {
        await MigratedAsync();

        var result = await AdminAsync("create-user", "--email", "x@fabrikam.example", "--role", "tenant-admin");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tenant", result.Stderr);
    }

    [Fact]
    public async Task CreatingATenantWithoutANameFailsAndCreatesNothing()
    {
        await MigratedAsync();

        var result = await AdminAsync("create-tenant");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--name", result.Stderr);
        var verify = await AdminAsync("verify-audit");
        Assert.Contains("Audit trail intact: 3 records", verify.Stdout);
    }

    [Fact]
    public async Task CreatingATenantTwiceFailsTheSecondTime()
    {
        await MigratedAsync();
        Assert.Equal(0, (await AdminAsync("create-tenant", "--name", "Tailspin")).ExitCode);

        var again = await AdminAsync("create-tenant", "--name", "Tailspin");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);
    }

    [Fact]
    public async Task CommandsRefuseADatabaseThatWasNotMigrated()
    {
        var result = await AdminAsync("create-tenant", "--name", "Too early");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("admin migrate", result.Stderr);
    }

    [Fact]
    public async Task VerifyAuditFailsOnATamperedDatabase()
    {
        await MigratedAsync();
        Assert.Equal(0, (await AdminAsync("create-tenant", "--name", "Woodgrove")).ExitCode);
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            var command = connection.CreateCommand();
            command.CommandText = "UPDATE AuditRecords SET ActorName = 'somebody else' WHERE Sequence = 2";
            Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        var result = await AdminAsync("verify-audit");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("BROKEN", result.Stderr);
        Assert.Contains("record 2 was altered", result.Stderr);
    }

    async Task MigratedAsync() => Assert.Equal(0, (await AdminAsync("migrate")).ExitCode);

    sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public string LastLine => Lines.LastOrDefault() ?? "";
    }

    async Task<CommandResult> AdminAsync(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerAssembly);
        start.ArgumentList.Add("admin");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["Database__ConnectionString"] = $"Data Source={DatabasePath}";
        start.Environment["DataProtection__KeysPath"] = Path.Combine(directory, "keys");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment.Remove("CHANGEDESK_PASSWORD");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the admin command.");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`admin {string.Join(' ', args)}` did not finish within {CommandTimeout.TotalSeconds} s.");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The dotnet host that runs this test run, so the server runs on the same runtime.</summary>
    static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The server's own build output (not the copy beside the tests), in the configuration the tests were built in.</summary>
    static string ServerAssembly
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (framework, configuration) = (output.Name, output.Parent!.Name);
            var root = output;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChangeDesk.slnx")))
            {
                root = root.Parent;
            }
            Assert.NotNull(root);
            var dll = Path.Combine(root.FullName, "src", "ChangeDesk", "bin", configuration, framework, "ChangeDesk.dll");
            Assert.True(File.Exists(dll), $"Build the service first: {dll} does not exist.");
            return dll;
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the OS stays in the temp folder; no other test uses it.
        }
    }

    /// <summary>The service on the database the admin commands prepared, instead of a fresh one.</summary>
    sealed class ExistingDatabaseFactory(string databasePath) : ChangeDeskFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Database:Provider", "Sqlite"); // the commands under test were run on this SQLite file
            builder.UseSetting("Database:ConnectionString", $"Data Source={databasePath}");
        }
    }
}
