using System.CommandLine;
using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Console;

namespace ChangeDesk.Admin;

/// <summary>
/// `ChangeDesk admin …`: bootstrap and maintenance commands on the server executable. Each prints the value a
/// script needs (an id, a token) as its last line and exits non-zero with a message on failure.
/// </summary>
public static class AdminCommands
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("ChangeDesk server administration. Uses the same configuration as the service (appsettings.json, environment variables such as Database__ConnectionString).");

        var migrate = new Command("migrate", "Create or upgrade the database schema and install the default change types.");
        migrate.SetAction((_, ct) => Run(async (services, _) =>
        {
            await DatabaseSetup.MigrateAsync(services, ct);
            Console.WriteLine("Database is up to date.");
        }, requireSchema: false, ct));
        root.Subcommands.Add(migrate);

        var tenantName = new Option<string>("--name") { Description = "The tenant's name", Required = true };
        var createTenant = new Command("create-tenant", "Create a customer tenant; prints its id as the last line.") { tenantName };
        createTenant.SetAction((parse, ct) => Run(async (_, scope) =>
        {
            var tenant = await scope.GetRequiredService<Accounts>().CreateTenantAsync(parse.GetValue(tenantName), ct);
            Console.WriteLine($"Created tenant '{tenant.Name}'.");
            Console.WriteLine(tenant.Id);
        }, ct: ct));
        root.Subcommands.Add(createTenant);

        var email = new Option<string>("--email") { Description = "The user's email address (their sign-in name)", Required = true };
        var role = new Option<string>("--role") { Description = $"One of: {Roles.AllNames}", Required = true };
        var tenant = new Option<Guid?>("--tenant") { Description = "The tenant id, for tenant-admin and tenant-reader" };
        var displayName = new Option<string?>("--display-name") { Description = "The name shown in the UI (defaults to the email)" };
        var password = new Option<string?>("--password") { Description = "A password for web sign-in (at least 8 characters); also read from CHANGEDESK_PASSWORD" };
        var createUser = new Command("create-user", "Create a user; prints the user's id as the last line.") { email, role, tenant, displayName, password };
        createUser.SetAction((parse, ct) => Run(async (_, scope) =>
        {
            var user = await scope.GetRequiredService<Accounts>().CreateUserAsync(
                parse.GetValue(email), parse.GetValue(displayName), parse.GetValue(role), parse.GetValue(tenant),
                parse.GetValue(password) ?? Environment.GetEnvironmentVariable("CHANGEDESK_PASSWORD"), ct);
            Console.WriteLine($"Created {user.Role} {user.Email}.");
            Console.WriteLine(user.Id);
        }, ct: ct));
        root.Subcommands.Add(createUser);

        var pwEmail = new Option<string>("--email") { Description = "The user's email address", Required = true };
        var pwValue = new Option<string?>("--password") { Description = "The new password; also read from CHANGEDESK_PASSWORD" };
        var setPassword = new Command("set-password", "Set a user's password for web sign-in.") { pwEmail, pwValue };
        setPassword.SetAction((parse, ct) => Run(async (_, scope) =>
        {
            var value = parse.GetValue(pwValue) ?? Environment.GetEnvironmentVariable("CHANGEDESK_PASSWORD")
                ?? throw ValidationFailedException.For("password", "Give --password or set CHANGEDESK_PASSWORD.");
            await scope.GetRequiredService<Accounts>().SetPasswordAsync(parse.GetValue(pwEmail)!, value, ct);
            Console.WriteLine("Password set.");
        }, ct: ct));
        root.Subcommands.Add(setPassword);

        var tokenEmail = new Option<string>("--email") { Description = "The user the token acts as", Required = true };
        var tokenName = new Option<string?>("--name") { Description = "A name to recognise the token by (default: cli)" };
        var createToken = new Command("create-token", "Create an API token; prints it once, as the last line.") { tokenEmail, tokenName };
        createToken.SetAction((parse, ct) => Run(async (_, scope) =>
        {
            var address = parse.GetValue(tokenEmail)!.Trim().ToLowerInvariant();
            var db = scope.GetRequiredService<ChangeDeskDb>();
            var userId = await db.Users.Where(u => u.Email == address).Select(u => (Guid?)u.Id).FirstOrDefaultAsync(ct)
                ?? throw new NotFoundException("User", address);
            var token = await scope.GetRequiredService<Accounts>().CreateTokenAsync(userId, parse.GetValue(tokenName) ?? "cli", ct);
            Console.WriteLine($"Created token '{token.Token.Name}' for {address}. It is shown once; store it now.");
            Console.WriteLine(token.Secret);
        }, ct: ct));
        root.Subcommands.Add(createToken);

        var verify = new Command("verify-audit", "Recompute the audit trail's hash chain; exits 1 when a record was edited or deleted.");
        verify.SetAction((_, ct) => Run(async (_, scope) =>
        {
            var result = await scope.GetRequiredService<AuditTrail>().VerifyAsync(ct);
            if (!result.IsIntact)
            {
                throw new ProblemException(1, "audit-broken", "Audit trail broken", $"Audit trail is BROKEN after {result.RecordsChecked} good records: {result.Problem}.");
            }
            if (result.PendingRecords > 0)
            {
                await Console.Error.WriteLineAsync($"{result.PendingRecords} newer records are not chained yet (the oldest from {result.OldestPendingAt:u}); they are linked next.");
            }
            Console.WriteLine($"Audit trail intact: {result.RecordsChecked} records. Head hash:");
            Console.WriteLine(result.HeadHash);
        }, ct: ct));
        root.Subcommands.Add(verify);

        var backupTo = new Option<string>("--to") { Description = "The file to write the copy to (it must not exist)", Required = true };
        var backup = new Command("backup", "Write a consistent copy of the SQLite database while the service runs (SQLite's online backup). For PostgreSQL use pg_dump.") { backupTo };
        backup.SetAction((parse, ct) => Run(async (_, scope) =>
        {
            var db = scope.GetRequiredService<ChangeDeskDb>();
            if (db.Database.ProviderName != "Microsoft.EntityFrameworkCore.Sqlite")
            {
                throw ValidationFailedException.For("provider", "admin backup copies SQLite databases; back up PostgreSQL with pg_dump (see docs/operations.md).");
            }
            var target = Path.GetFullPath(parse.GetValue(backupTo)!);
            if (File.Exists(target))
            {
                throw ValidationFailedException.For("to", $"{target} already exists: choose a new file.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var source = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
            await source.OpenAsync(ct);
            await using var destination = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={target};Pooling=False");
            await destination.OpenAsync(ct);
            source.BackupDatabase(destination);
            Console.WriteLine($"Backed up {source.DataSource} ({new FileInfo(target).Length:N0} bytes) to:");
            Console.WriteLine(target);
        }, ct: ct));
        root.Subcommands.Add(backup);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // A command line that cannot be read is refused input, like any other (exit code 2, see docs/operations.md).
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }
            Console.Error.WriteLine("Run 'admin --help' for the commands and their options.");
            return 2;
        }
        return await parsed.InvokeAsync();
    }

    static async Task<int> Run(Func<IServiceProvider, IServiceProvider, Task> work, bool requireSchema = true, CancellationToken ct = default)
    {
        try
        {
            var builder = ChangeDeskApp.CreateBuilder([]);
            // Scripts read the last line of stdout (an id, a token): log output goes to stderr.
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            await using var app = builder.Build();
            using var scope = app.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("admin command");
            if (requireSchema)
            {
                var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
                var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
                if (pending.Count > 0)
                {
                    await Console.Error.WriteLineAsync($"error: the database needs {pending.Count} migration(s): run `admin migrate` first.");
                    return 3;
                }
            }
            await work(app.Services, scope.ServiceProvider);
            // The command may be the only process running: it links the audit records it wrote itself.
            await scope.ServiceProvider.GetRequiredService<AuditChainer>().ChainAllAsync(ct: ct);
            return 0;
        }
        catch (ProblemException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return e.Status == 1 ? 1 : 2;
        }
    }
}
