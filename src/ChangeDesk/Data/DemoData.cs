using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

/// <summary>
/// A working system for a newcomer: a provider, three customer tenants, a user of every role, and changes of
/// every type in several states. Created through the same services as real use, so every rule and the audit
/// trail apply.
/// </summary>
public static class DemoData
{
    public const string ProviderName = "Northwind Managed Desktop";

    public static readonly (string Email, string Name, Role Role, string? Tenant)[] Users =
    [
        ("admin@northwind.example", "Pat Provider-Admin", Role.ProviderAdmin, null),
        ("release@northwind.example", "Rene Release-Manager", Role.ReleaseManager, null),
        ("support@northwind.example", "Sam Support-Engineer", Role.SupportEngineer, null),
        ("admin@fabrikam.example", "Fran Fabrikam-Admin", Role.TenantAdmin, "Fabrikam"),
        ("reader@fabrikam.example", "Rory Fabrikam-Reader", Role.TenantReader, "Fabrikam"),
        ("admin@tailspin.example", "Tai Tailspin-Admin", Role.TenantAdmin, "Tailspin Toys"),
        ("admin@woodgrove.example", "Wen Woodgrove-Admin", Role.TenantAdmin, "Woodgrove Bank"),
    ];

    public static string SignInHelp(string password) =>
        "ChangeDesk demo: sign in at the service's address with one of these users (password: " + password + ")\n"
        + string.Join("\n", Users.Select(u => $"  {u.Email,-28} {u.Role.Name(),-17} {u.Tenant ?? ProviderName}"));

    /// <summary>Seeds once; returns false when the database already has tenants.</summary>
    public static async Task<bool> SeedAsync(IServiceProvider root, string password, CancellationToken ct = default)
    {
        using (var scope = root.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("demo");
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            if (await db.Tenants.AnyAsync(ct))
            {
                return false;
            }
            var accounts = scope.ServiceProvider.GetRequiredService<Accounts>();
            var tenants = new Dictionary<string, Guid>();
            foreach (var name in Users.Where(u => u.Tenant is not null).Select(u => u.Tenant!).Distinct())
            {
                tenants[name] = (await accounts.CreateTenantAsync(name, ct)).Id;
            }
            foreach (var u in Users)
            {
                await accounts.CreateUserAsync(u.Email, u.Name, u.Role.Name(), u.Tenant is null ? null : tenants[u.Tenant], password, ct);
            }
            await scope.ServiceProvider.GetRequiredService<MatrixService>().RenameProviderAsync(ProviderName, ct);
        }

        var now = root.GetRequiredService<TimeProvider>().GetUtcNow();
        var day = TimeSpan.FromDays(1);
        await As(root, "release@northwind.example", async (w, db) =>
        {
            var all = await db.Tenants.Select(t => t.Id).ToListAsync(ct);
            var fabrikam = await db.Tenants.Where(t => t.Name == "Fabrikam").Select(t => t.Id).SingleAsync(ct);

            var portal = await w.CreateAsync(new ChangeInput
            {
                Title = "Simplified support ticket submission in the IT admin portal",
                Description = "The IT admin portal gets a **single form** for support tickets.\n\n- Attach logs directly\n- Track status in one list\n\nAdmins must enable the new form under *Settings → Support*.",
                Type = "functionality", Subtype = "feature-update", Scope = "managed-service", TargetsAllTenants = true,
                Services = ["IT admin portal"], AdminActionRequired = true, AdminAction = "Enable the new support form under Settings → Support",
                Consent = "approve", ActionRequiredBy = now + 9 * day, PlannedStart = now + 10 * day, PlannedEnd = now + 12 * day, Severity = "high",
            }, ct);
            await w.TransitionAsync(portal.Id, ChangeAction.Announce, null, ct);

            await w.CreateAsync(new ChangeInput
            {
                Title = "Windows feature update (semi-annual release)",
                Description = "The next Windows feature update ships to the managed fleet in rings.",
                Type = "functionality", Subtype = "new-feature", Scope = "managed-service", TargetsAllTenants = true,
                Services = ["Windows"], PlannedStart = now + 30 * day, PlannedEnd = now + 60 * day, IsMajorChange = true,
            }, ct);

            var vpn = await w.CreateAsync(new ChangeInput
            {
                Title = "Retiring the legacy VPN client",
                Description = "The legacy VPN client is replaced by the built-in Always On VPN profile. Test your **remote access** line-of-business apps.",
                Type = "functionality", Subtype = "deprecated-feature", Scope = "managed-service", TargetTenantIds = [fabrikam],
                Services = ["Remote access"], AdminActionRequired = true, AdminAction = "Move remaining users to the Always On VPN profile",
                Consent = "acknowledge", ActionRequiredBy = now + 5 * day, PlannedStart = now + 6 * day, Severity = "high",
            }, ct);
            await w.TransitionAsync(vpn.Id, ChangeAction.Announce, null, ct);

            var hotfix = await w.CreateAsync(new ChangeInput
            {
                Title = "Client hotfix: Outlook search index rebuild",
                Description = "Fixes search results missing in Outlook after the last monthly update.",
                Type = "non-security", Scope = "m365-client", TargetsAllTenants = true, Services = ["Microsoft 365 Apps"],
                PlannedStart = now - 2 * day, PlannedEnd = now + 3 * day,
            }, ct);
            await w.TransitionAsync(hotfix.Id, ChangeAction.Announce, null, ct);
            await w.TransitionAsync(hotfix.Id, ChangeAction.Start, null, ct);

            var security = await w.CreateAsync(new ChangeInput
            {
                Title = "Monthly security update",
                Description = "The monthly security release for Windows and Microsoft 365 Apps.",
                Type = "security", Scope = "managed-service", TargetsAllTenants = true, Services = ["Windows", "Microsoft 365 Apps"],
                PlannedStart = now - 20 * day, PlannedEnd = now - 10 * day,
            }, ct);
            await w.TransitionAsync(security.Id, ChangeAction.Announce, null, ct);
            await w.TransitionAsync(security.Id, ChangeAction.Start, null, ct);
            await w.TransitionAsync(security.Id, ChangeAction.Complete, null, ct);

            var emergency = await w.CreateAsync(new ChangeInput
            {
                Title = "Emergency: browser zero-day fix",
                Description = "An actively exploited browser vulnerability is fixed out of band.",
                Type = "security", Scope = "managed-service", TargetsAllTenants = true, Services = ["Microsoft Edge"],
                AdminActionRequired = true, AdminAction = "Confirm no kiosk devices block browser updates", PlannedStart = now + day / 4,
                IsEmergency = true, Severity = "critical",
            }, ct);
            await w.AddMitigationAsync(emergency.Id, "Blocked the exploited URL pattern at the service's web filter for every tenant.", now - day / 24, null, ct);
            await w.TransitionAsync(emergency.Id, ChangeAction.Announce, null, ct);
        }, ct);

        await As(root, "admin@fabrikam.example", async (w, _) =>
        {
            var own = await w.CreateAsync(new ChangeInput
            {
                Title = "Payroll app 4.2 upgrade",
                Description = "Fabrikam's own payroll application moves to version 4.2.",
                Type = "functionality", Subtype = "feature-update", Scope = "custom-software", Services = ["Payroll"],
                PlannedStart = now + 14 * day, PlannedEnd = now + 15 * day,
            }, ct);
            await w.TransitionAsync(own.Id, ChangeAction.Announce, null, ct);
        }, ct);
        await DemoReleases.SeedAsync(root, now, ct);
        return true;
    }

    static async Task As(IServiceProvider root, string email, Func<ChangeWorkflow, ChangeDeskDb, Task> work, CancellationToken ct)
    {
        using var scope = root.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        var user = await db.Users.SingleAsync(u => u.Email == email, ct);
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAs(user);
        await work(scope.ServiceProvider.GetRequiredService<ChangeWorkflow>(), db);
    }
}
