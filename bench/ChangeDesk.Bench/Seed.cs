using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;

namespace ChangeDesk.Bench;

/// <summary>Tenants and people in bulk, the way the service stores them (through <see cref="BulkRows"/>).</summary>
public sealed class Seed
{
    public List<Tenant> Tenants { get; } = [];
    public List<User> Users { get; } = [];
    public required User ReleaseManager { get; init; }

    /// <summary>Each tenant gets one tenant admin and (usersPerTenant - 1) tenant readers; the provider gets a release manager.</summary>
    public static Seed Create(int tenants, int usersPerTenant, DateTimeOffset now)
    {
        var seed = new Seed
        {
            ReleaseManager = new User { Email = "release@bench.test", DisplayName = "Release Manager", Role = Role.ReleaseManager, CreatedAt = now },
        };
        seed.Users.Add(seed.ReleaseManager);
        for (var i = 0; i < tenants; i++)
        {
            var tenant = new Tenant { Name = $"Tenant {i:D5}", CreatedAt = now };
            seed.Tenants.Add(tenant);
            for (var u = 0; u < usersPerTenant; u++)
            {
                seed.Users.Add(new User
                {
                    Email = $"t{i:D5}-u{u}@bench.test",
                    DisplayName = $"Person {u} of tenant {i:D5}",
                    Role = u == 0 ? Role.TenantAdmin : Role.TenantReader,
                    TenantId = tenant.Id,
                    CreatedAt = now,
                });
            }
        }
        return seed;
    }

    public Task<TimeSpan> WriteAsync(ChangeDeskDb db) =>
        Bulk.WriteAsync(db, [BulkRows.For(db, Tenants), BulkRows.For(db, Users)]);

    /// <summary>A provider change in the shape the fan-out announces: admin action, so the message requires action and every person wants it.</summary>
    public static ChangeInput Change(string title, DateTimeOffset now, bool allTenants, List<Guid>? targets = null) => new()
    {
        Title = title,
        Description = """
            The default sharing policy of the managed service changes: new sites are shared with **members only**.

            - Existing sites keep their settings.
            - Site owners can still widen sharing for a site.
            - Guests keep access to content already shared with them.

            Review your tenant's defaults before the change starts, and tell your site owners.
            """,
        Type = ChangeTypeCatalog.Functionality,
        Subtype = "feature-update",
        Scope = "managed-service",
        TargetsAllTenants = allTenants,
        TargetTenantIds = targets ?? [],
        Services = ["SharePoint Online", "Microsoft Teams"],
        AdminActionRequired = true,
        AdminAction = "Review the new sharing defaults",
        Consent = "none",
        PlannedStart = now.AddDays(30),
        PlannedEnd = now.AddDays(31),
        Severity = "normal",
    };
}
