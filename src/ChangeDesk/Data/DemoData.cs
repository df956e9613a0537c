using ChangeDesk.Changes;
using ChangeDesk.Changes.Create;
using ChangeDesk.Changes.Mitigations;
using ChangeDesk.Changes.Transition;
using ChangeDesk.Responsibility;
using ChangeDesk.Support;
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

            var portal = await w.Create.HandleAsync(new ChangeInput
            {
                Title = "Simplified support ticket submission in the IT admin portal",
                Description = "The IT admin portal gets a **single form** for support tickets.\n\n- Attach logs directly\n- Track status in one list\n\nAdmins must enable the new form under *Settings → Support*.",
                Type = "functionality",
                Subtype = "feature-update",
                Scope = "managed-service",
                TargetsAllTenants = true,
                Services = ["IT admin portal"],
                AdminActionRequired = true,
                AdminAction = "Enable the new support form under Settings → Support",
                Consent = "approve",
                ActionRequiredBy = now + 9 * day,
                PlannedStart = now + 10 * day,
                PlannedEnd = now + 12 * day,
                Severity = "high",
            }, ct);
            await w.Transition.HandleAsync(portal.Id, ChangeAction.Announce, null, ct);

            await w.Create.HandleAsync(new ChangeInput
            {
                Title = "Windows feature update (semi-annual release)",
                Description = "The next Windows feature update ships to the managed fleet in rings.",
                Type = "functionality",
                Subtype = "new-feature",
                Scope = "managed-service",
                TargetsAllTenants = true,
                Services = ["Windows"],
                PlannedStart = now + 30 * day,
                PlannedEnd = now + 60 * day,
                IsMajorChange = true,
            }, ct);

            var vpn = await w.Create.HandleAsync(new ChangeInput
            {
                Title = "Retiring the legacy VPN client",
                Description = "The legacy VPN client is replaced by the built-in Always On VPN profile. Test your **remote access** line-of-business apps.",
                Type = "functionality",
                Subtype = "deprecated-feature",
                Scope = "managed-service",
                TargetTenantIds = [fabrikam],
                Services = ["Remote access"],
                AdminActionRequired = true,
                AdminAction = "Move remaining users to the Always On VPN profile",
                Consent = "acknowledge",
                ActionRequiredBy = now + 5 * day,
                PlannedStart = now + 6 * day,
                Severity = "high",
            }, ct);
            await w.Transition.HandleAsync(vpn.Id, ChangeAction.Announce, null, ct);

            var hotfix = await w.Create.HandleAsync(new ChangeInput
            {
                Title = "Client hotfix: Outlook search index rebuild",
                Description = "Fixes search results missing in Outlook after the last monthly update.",
                Type = "non-security",
                Scope = "m365-client",
                TargetsAllTenants = true,
                Services = ["Microsoft 365 Apps"],
                PlannedStart = now - 2 * day,
                PlannedEnd = now + 3 * day,
            }, ct);
            await w.Transition.HandleAsync(hotfix.Id, ChangeAction.Announce, null, ct);
            await w.Transition.HandleAsync(hotfix.Id, ChangeAction.Start, null, ct);

            var security = await w.Create.HandleAsync(new ChangeInput
            {
                Title = "Monthly security update",
                Description = "The monthly security release for Windows and Microsoft 365 Apps.",
                Type = "security",
                Scope = "managed-service",
                TargetsAllTenants = true,
                Services = ["Windows", "Microsoft 365 Apps"],
                PlannedStart = now - 20 * day,
                PlannedEnd = now - 10 * day,
            }, ct);
            await w.Transition.HandleAsync(security.Id, ChangeAction.Announce, null, ct);
            await w.Transition.HandleAsync(security.Id, ChangeAction.Start, null, ct);
            await w.Transition.HandleAsync(security.Id, ChangeAction.Complete, null, ct);

            var emergency = await w.Create.HandleAsync(new ChangeInput
            {
                Title = "Emergency: browser zero-day fix",
                Description = "An actively exploited browser vulnerability is fixed out of band.",
                Type = "security",
                Scope = "managed-service",
                TargetsAllTenants = true,
                Services = ["Microsoft Edge"],
                AdminActionRequired = true,
                AdminAction = "Confirm no kiosk devices block browser updates",
                PlannedStart = now + day / 4,
                IsEmergency = true,
                Severity = "critical",
            }, ct);
            await w.Mitigate.HandleAsync(emergency.Id, "Blocked the exploited URL pattern at the service's web filter for every tenant.", now - day / 24, null, ct);
            await w.Transition.HandleAsync(emergency.Id, ChangeAction.Announce, null, ct);
        }, ct);

        await As(root, "admin@fabrikam.example", async (w, _) =>
        {
            var own = await w.Create.HandleAsync(new ChangeInput
            {
                Title = "Payroll app 4.2 upgrade",
                Description = "Fabrikam's own payroll application moves to version 4.2.",
                Type = "functionality",
                Subtype = "feature-update",
                Scope = "custom-software",
                Services = ["Payroll"],
                PlannedStart = now + 14 * day,
                PlannedEnd = now + 15 * day,
            }, ct);
            await w.Transition.HandleAsync(own.Id, ChangeAction.Announce, null, ct);
        }, ct);
        await SeedSupportRequestsAsync(root, ct);
        await DemoApplications.SeedAsync(root, ct);
        await DemoReleases.SeedAsync(root, now, ct);
        return true;
    }

    /// <summary>
    /// Support requests across tenants and states, each step taken at a time in the past so the queue shows ages,
    /// first responses and one request whose first-response target is already breached.
    /// </summary>
    static async Task SeedSupportRequestsAsync(IServiceProvider root, CancellationToken ct)
    {
        Dictionary<string, int> changes;
        using (var scope = root.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("demo");
            changes = await scope.ServiceProvider.GetRequiredService<ChangeDeskDb>().Changes.ToDictionaryAsync(c => c.Title, c => c.Id, ct);
        }
        const string fabrikam = "admin@fabrikam.example", tailspin = "admin@tailspin.example", woodgrove = "admin@woodgrove.example", engineer = "support@northwind.example";
        var hour = TimeSpan.FromHours(1);
        var day = TimeSpan.FromDays(1);

        // Severity A, three hours old and untouched: past its one-hour first-response target.
        await SupportAs(root, fabrikam, 3 * hour, (FileSupportRequest s) => s.HandleAsync(new SupportRequestInput
        {
            Title = "Outlook search finds nothing since the hotfix",
            Description = "Since this morning **no user** gets search results in Outlook. Rebuilding the index by hand does not help.\n\n- Outlook for Microsoft 365, current channel\n- All sites",
            Severity = "a",
            AffectedUsers = 850,
            ChangeId = changes["Client hotfix: Outlook search index rebuild"],
            ContactPhone = "+1 425 555 0100",
        }, ct), ct);

        var vpn = await SupportAs(root, fabrikam, day, (FileSupportRequest s) => s.HandleAsync(new SupportRequestInput
        {
            Title = "Always On VPN profile fails for remote staff",
            Description = "Remote users moved to the new VPN profile get error 809. Users still on the legacy client can connect.",
            Severity = "b",
            AffectedUsers = 40,
            ChangeId = changes["Retiring the legacy VPN client"],
        }, ct), ct);
        await SupportAs(root, engineer, day - 30 * TimeSpan.FromMinutes(1), (AssignSupportRequest s) => s.HandleAsync(vpn.Number, null, engineer, null, ct), ct);
        await SupportAs(root, engineer, day - 35 * TimeSpan.FromMinutes(1), (TransitionSupportRequest s) => s.HandleAsync(vpn.Number, SupportAction.Start, null, null, ct), ct);
        await SupportAs(root, engineer, 20 * hour, (CommentOnSupportRequest s) => s.HandleAsync(vpn.Number,
            "Error 809 usually means the IKEv2 ports are blocked on the way. Checking the certificate template for the new profile as well.", true, ct), ct);
        await SupportAs(root, engineer, 19 * hour, (TransitionSupportRequest s) => s.HandleAsync(vpn.Number, SupportAction.WaitOnCustomer,
            "Could you send the output of `Get-VpnConnection` from one affected laptop, and tell us which home routers the users have?", null, ct), ct);

        var kiosk = await SupportAs(root, tailspin, 5 * hour, (FileSupportRequest s) => s.HandleAsync(new SupportRequestInput
        {
            Title = "Store kiosks still on the vulnerable Edge version",
            Description = "Our 12 store kiosks did not take the emergency browser update.",
            Severity = "b",
            AffectedUsers = 12,
            ChangeId = changes["Emergency: browser zero-day fix"],
        }, ct), ct);
        await SupportAs(root, engineer, 4 * hour, (AssignSupportRequest s) => s.HandleAsync(kiosk.Number, null, engineer, null, ct), ct);
        await SupportAs(root, engineer, 4 * hour, (TransitionSupportRequest s) => s.HandleAsync(kiosk.Number, SupportAction.Start,
            "The kiosks use the assigned-access profile that defers browser updates. We are pushing the update to them directly.", null, ct), ct);

        var printing = await SupportAs(root, woodgrove, 6 * day, (FileSupportRequest s) => s.HandleAsync(new SupportRequestInput
        {
            Title = "Printing slow after the monthly security update",
            Description = "Print jobs to the branch printers take over a minute since the update.",
            Severity = "c",
            AffectedUsers = 200,
            ChangeId = changes["Monthly security update"],
        }, ct), ct);
        await SupportAs(root, engineer, 6 * day - 2 * hour, (TransitionSupportRequest s) => s.HandleAsync(printing.Number, SupportAction.Start, null, null, ct), ct);
        await SupportAs(root, engineer, 2 * day, (TransitionSupportRequest s) => s.HandleAsync(printing.Number, SupportAction.Resolve,
            "The branch print servers needed the updated Point and Print driver package; it is deployed. Printing is back to normal in our tests.", null, ct), ct);

        var addin = await SupportAs(root, tailspin, 10 * day, (FileSupportRequest s) => s.HandleAsync(new SupportRequestInput
        {
            Title = "Teams meeting add-in missing in Outlook",
            Description = "The Teams meeting button disappeared for some users.",
            Severity = "c",
            AffectedUsers = 15,
        }, ct), ct);
        await SupportAs(root, engineer, 10 * day - 3 * hour, (TransitionSupportRequest s) => s.HandleAsync(addin.Number, SupportAction.Start, null, null, ct), ct);
        await SupportAs(root, engineer, 8 * day, (TransitionSupportRequest s) => s.HandleAsync(addin.Number, SupportAction.Resolve, "Re-registered the add-in through the managed configuration.", null, ct), ct);
        await SupportAs(root, tailspin, 7 * day, (TransitionSupportRequest s) => s.HandleAsync(addin.Number, SupportAction.Close, "Confirmed, thank you.", null, ct), ct);

        await SupportAs(root, woodgrove, 2 * hour, (FileSupportRequest s) => s.HandleAsync(new SupportRequestInput
        {
            Title = "Where do we enable the new support form?",
            Description = "The announcement says *Settings → Support*, but our admins do not see that page.",
            Severity = "c",
            AffectedUsers = 3,
            ChangeId = changes["Simplified support ticket submission in the IT admin portal"],
        }, ct), ct);
    }

    /// <summary>Works on support requests as a demo user, at a time <paramref name="ago"/> before now.</summary>
    static async Task<T> SupportAs<THandler, T>(IServiceProvider root, string email, TimeSpan ago, Func<THandler, Task<T>> work, CancellationToken ct)
        where THandler : class
    {
        using var scope = root.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        var user = await db.Users.IgnoreQueryFilters().SingleAsync(u => u.Email == email, ct);
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAs(user);
        var past = new PastClock(scope.ServiceProvider.GetRequiredService<TimeProvider>(), ago);
        return await work(ActivatorUtilities.CreateInstance<THandler>(scope.ServiceProvider, past));
    }

    /// <summary>A clock running behind the real one, so demo history can be recorded as having happened earlier.</summary>
    sealed class PastClock(TimeProvider now, TimeSpan ago) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.GetUtcNow() - ago;
    }

    /// <summary>The use cases the demo's changes go through, as their users take them.</summary>
    sealed record ChangeSteps(CreateChange Create, TransitionChange Transition, RecordMitigation Mitigate);

    static async Task As(IServiceProvider root, string email, Func<ChangeSteps, ChangeDeskDb, Task> work, CancellationToken ct)
    {
        using var scope = root.CreateScope();
        var s = scope.ServiceProvider;
        var db = s.GetRequiredService<ChangeDeskDb>();
        var user = await db.Users.SingleAsync(u => u.Email == email, ct);
        s.GetRequiredService<CurrentUser>().ActAs(user);
        await work(new ChangeSteps(s.GetRequiredService<CreateChange>(), s.GetRequiredService<TransitionChange>(), s.GetRequiredService<RecordMitigation>()), db);
    }
}
