using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Support;

/// <summary>
/// The real service on a real SQLite file of its own, with a clock the tests move. One per test class; every
/// test creates its own tenants and users, so tests never depend on each other's data.
/// </summary>
public class ChangeDeskFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    readonly string directory;
    readonly bool ownsDirectory;
    readonly FakeTimeProvider ownClock;

    public ChangeDeskFactory()
        : this(null, null)
    {
    }

    /// <summary>
    /// A service on the data folder (SQLite file or PostgreSQL database, keys, pickup mail) of another instance,
    /// or a fresh one when null; a folder given here is left in place on dispose, for the next instance or the
    /// caller to clean up. A clock given here is shared, as instances on one database share real time.
    /// </summary>
    protected ChangeDeskFactory(string? directory, FakeTimeProvider? clock)
    {
        ownsDirectory = directory is null;
        this.directory = directory ?? NewDataDirectory();
        ownClock = clock ?? new FakeTimeProvider(Start);
    }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "changedesk-tests", Guid.NewGuid().ToString("n"));

    /// <summary>
    /// Set by the test script for the PostgreSQL lane (e.g. "Host=127.0.0.1;Port=5433;Username=postgres"):
    /// every data folder then has a database of its own on that server instead of a SQLite file.
    /// </summary>
    public static string? PostgresServer => Environment.GetEnvironmentVariable("CHANGEDESK_TEST_POSTGRES") is { Length: > 0 } s ? s : null;

    public static bool OnPostgres => PostgresServer is not null;

    /// <summary>
    /// Another instance of the service on the same database, with its own mail folder (scale-out tests). The
    /// first instance owns and drops the database; the clock is shared, as servers kept in sync by NTP share time.
    /// </summary>
    public ChangeDeskFactory? ShareDatabaseWith { get; init; }

    /// <summary>The service's clock.</summary>
    public FakeTimeProvider Clock => ShareDatabaseWith?.Clock ?? ownClock;

    /// <summary>The folder of this instance's SQLite file, data protection keys and pickup mail.</summary>
    public string DataDirectory => directory;

    /// <summary>Where this instance keeps email when no SMTP server is configured: one .eml file per email.</summary>
    public string PickupDirectory => Path.Combine(directory, "mail");

    public string MailFolder => PickupDirectory;

    string SqliteFile => ShareDatabaseWith?.SqliteFile ?? Path.Combine(directory, "changedesk.db");
    string PostgresDatabase => ShareDatabaseWith?.PostgresDatabase ?? $"cd_test_{Path.GetFileName(directory)}";
    string KeysDirectory => ShareDatabaseWith?.KeysDirectory ?? Path.Combine(directory, "keys");

    /// <summary>The test receivers listen on loopback, which webhooks may reach only where configured to.</summary>
    protected virtual string[] AllowedWebhookNetworks => ["127.0.0.0/8", "::1/128"];

    /// <summary>The database settings of this instance, for a service started as a process of its own on the same database.</summary>
    public IReadOnlyDictionary<string, string> DatabaseSettings => PostgresServer is { } server
        ? new Dictionary<string, string> { ["Database:Provider"] = "Postgres", ["Database:ConnectionString"] = $"{server};Database={PostgresDatabase}" }
        : new Dictionary<string, string> { ["Database:Provider"] = "Sqlite", ["Database:ConnectionString"] = $"Data Source={SqliteFile}" };

    public static JsonSerializerOptions Json { get; } = CreateJson();

    static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ChangeDeskApp.ConfigureJson(options);
        return options;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(directory);
        builder.UseEnvironment("Development");
        if (PostgresServer is { } server)
        {
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("Database:ConnectionString", $"{server};Database={PostgresDatabase}");
        }
        else
        {
            builder.UseSetting("Database:ConnectionString", $"Data Source={SqliteFile}");
        }
        builder.UseSetting("Database:MigrateOnStart", "true");
        builder.UseSetting("Urls", "http://127.0.0.1:0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.DataProtection", "Error");
        builder.UseSetting("DataProtection:KeysPath", KeysDirectory);
        builder.UseSetting("Email:PickupDirectory", PickupDirectory);
        for (var i = 0; i < AllowedWebhookNetworks.Length; i++)
        {
            builder.UseSetting($"Webhooks:AllowedNetworks:{i}", AllowedWebhookNetworks[i]);
        }
        // Tests make many quick requests from one address; ThrottlingTests sets tight limits of its own.
        foreach (var limit in new[] { "Api:PermitLimit", "Graph:PermitLimit", "Anonymous:PermitLimit", "SignIn:Attempts:PermitLimit", "SignIn:AccountFailures", "SignIn:AddressFailures" })
        {
            builder.UseSetting("RateLimits:" + limit, "1000000");
        }
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    public virtual async ValueTask InitializeAsync()
    {
        _ = Server; // starts the host: migrations run before the first request
        await Task.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (PostgresServer is { } server && ShareDatabaseWith is null && ownsDirectory)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var connection = new Npgsql.NpgsqlConnection($"{server};Database=postgres");
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS \"{PostgresDatabase}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        if (ownsDirectory)
        {
            DeleteDataDirectory(directory);
        }
        GC.SuppressFinalize(this);
    }

    public static void DeleteDataDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the OS is left in the temp folder; it does not affect other tests.
        }
    }

    /// <summary>
    /// Chains every audit record committed so far, as the chain job does moments after each write, so that a test reads
    /// the trail and its verification as they will be.
    /// </summary>
    public Task ChainAuditAsync() => AsSystemAsync(s => s.GetRequiredService<ChangeDesk.Audit.AuditChainer>().ChainAllAsync());

    /// <summary>Runs code against the service's own services as the system (no tenant filter).</summary>
    public async Task<T> AsSystemAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        using var scope = Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("test");
        return await work(scope.ServiceProvider);
    }

    public Task<TenantView> CreateTenantAsync(string? name = null) =>
        AsSystemAsync(s => s.GetRequiredService<Accounts>().CreateTenantAsync(name ?? $"Tenant {Guid.NewGuid():n}"));

    /// <summary>A new user of the role with a password and an API token, ready to call the API.</summary>
    public async Task<TestUser> CreateUserAsync(Role role, Guid? tenantId = null)
    {
        var email = $"{role.Name()}-{Guid.NewGuid():n}@example.test";
        const string password = "correct-horse-battery";
        var user = await AsSystemAsync(s => s.GetRequiredService<Accounts>().CreateUserAsync(email, null, role.Name(), tenantId, password));
        var token = await AsSystemAsync(s => s.GetRequiredService<Accounts>().CreateTokenAsync(user.Id, "test"));
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Secret);
        return new TestUser(user.Id, email, password, role, tenantId, token.Secret, client);
    }

    /// <summary>The same user, sending its requests to this instance (as a load balancer may).</summary>
    public TestUser Serving(TestUser user)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return user with { Client = client };
    }

    /// <summary>A tenant with one tenant admin.</summary>
    public async Task<(TenantView Tenant, TestUser Admin)> CreateTenantWithAdminAsync()
    {
        var tenant = await CreateTenantAsync();
        return (tenant, await CreateUserAsync(Role.TenantAdmin, tenant.Id));
    }
}

public sealed record TestUser(Guid Id, string Email, string Password, Role Role, Guid? TenantId, string Token, HttpClient Client)
{
    public async Task<T> GetJsonAsync<T>(string url)
    {
        var response = await Client.GetAsync(url);
        await Expect.StatusAsync(response, 200);
        return (await response.Content.ReadFromJsonAsync<T>(ChangeDeskFactory.Json))!;
    }

    public Task<HttpResponseMessage> PostJsonAsync(string url, object? body = null) =>
        Client.PostAsJsonAsync(url, body ?? new { }, ChangeDeskFactory.Json);

    public Task<HttpResponseMessage> PutJsonAsync(string url, object body) =>
        Client.PutAsJsonAsync(url, body, ChangeDeskFactory.Json);
}

public static class Expect
{
    /// <summary>Asserts a status code and shows the response body when it differs.</summary>
    public static async Task StatusAsync(HttpResponseMessage response, int status)
    {
        if ((int)response.StatusCode != status)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"Expected {status} but got {(int)response.StatusCode} from {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}");
        }
    }

    /// <summary>Asserts an RFC 9457 problem response naming the rule; returns it for more checks.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, int status, string rule)
    {
        await StatusAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
