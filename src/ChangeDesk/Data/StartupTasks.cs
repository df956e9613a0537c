using Microsoft.AspNetCore.DataProtection;

namespace ChangeDesk.Data;

public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Seed a demo provider, three tenants, a user per role and changes of every type (also `--demo`).</summary>
    public bool Seed { get; set; }

    /// <summary>The password of every demo user.</summary>
    public string Password { get; set; } = "changedesk-demo";
}

/// <summary>Migrates the database and seeds the demo before the service takes requests, when configured to.</summary>
public sealed class StartupTasks(IServiceProvider services, DatabaseOptions database, DemoOptions demo, ILogger<StartupTasks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (database.MigrateOnStart || demo.Seed)
        {
            await DatabaseSetup.MigrateAsync(services, ct);
        }
        if (database.MigrateOnStart || demo.Seed)
        {
            // Creates the key ring now if there is none, rather than inside the first transaction that needs a key.
            services.GetRequiredService<IDataProtectionProvider>().CreateProtector("startup").Protect("ready");
        }
        if (demo.Seed)
        {
            var created = await DemoData.SeedAsync(services, demo.Password, ct);
            logger.LogInformation("Demo data {State}", created ? "seeded" : "already present");
            Console.WriteLine(DemoData.SignInHelp(demo.Password));
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
