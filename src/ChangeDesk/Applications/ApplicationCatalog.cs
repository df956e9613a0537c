using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Applications;

/// <summary>
/// A tenant's catalog of business applications. Everyone of the tenant reads it, and provider users read any tenant's;
/// the tenant's admins and provider admins keep it. Another tenant's catalog does not exist for a tenant user (404).
/// </summary>
public sealed class ApplicationCatalog(ChangeDeskDb db, CurrentUser user, TimeProvider clock)
{
    public static bool MayEdit(CurrentUser user, Guid tenant) =>
        user.Is(Role.ProviderAdmin) || (user.Is(Role.TenantAdmin) && user.TenantId == tenant);

    public async Task EnsureCanReadAsync(Guid tenant, CancellationToken ct)
    {
        if ((!user.IsProvider && user.TenantId != tenant) || !await db.Tenants.AnyAsync(t => t.Id == tenant, ct))
        {
            throw new NotFoundException("Tenant", tenant);
        }
    }

    async Task EnsureCanEditAsync(Guid tenant, CancellationToken ct)
    {
        await EnsureCanReadAsync(tenant, ct);
        if (!MayEdit(user, tenant))
        {
            throw new ForbiddenException("A tenant's application catalog is kept by its admins (or a provider admin); others read it.");
        }
    }

    public async Task<IReadOnlyList<ApplicationView>> ListAsync(Guid tenant, CancellationToken ct = default)
    {
        await EnsureCanReadAsync(tenant, ct);
        var apps = await db.BusinessApplications.AsNoTracking().Where(a => a.TenantId == tenant).OrderBy(a => a.NameKey).ToListAsync(ct);
        return apps.Select(ApplicationView.Of).ToList();
    }

    public async Task<ApplicationView> GetAsync(Guid tenant, Guid id, CancellationToken ct = default)
    {
        await EnsureCanReadAsync(tenant, ct);
        var app = await db.BusinessApplications.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id && a.TenantId == tenant, ct)
            ?? throw new NotFoundException("Application", id);
        return ApplicationView.Of(app);
    }

    public async Task<ApplicationView> CreateAsync(Guid tenant, ApplicationInput input, CancellationToken ct = default)
    {
        InputBounds.Check(input);
        await EnsureCanEditAsync(tenant, ct);
        var valid = input.Validate();
        var created = await db.WriteAsync("Add application", async () =>
        {
            await RefuseDuplicateAsync(tenant, valid.Name, null, ct);
            var now = clock.GetUtcNow();
            var app = new BusinessApplication { TenantId = tenant, Name = valid.Name, CreatedAt = now, UpdatedAt = now };
            Apply(app, valid, now);
            db.BusinessApplications.Add(app);
            return app;
        }, ct);
        return ApplicationView.Of(created);
    }

    public async Task<ApplicationView> UpdateAsync(Guid tenant, Guid id, ApplicationInput input, string? ifMatch, CancellationToken ct = default)
    {
        InputBounds.Check(input);
        await EnsureCanEditAsync(tenant, ct);
        var valid = input.Validate();
        var updated = await db.WriteAsync("Edit application", async () =>
        {
            var app = await db.BusinessApplications.ForUpdate().FirstOrDefaultAsync(a => a.Id == id && a.TenantId == tenant, ct)
                ?? throw new NotFoundException("Application", id);
            EntityTags.CheckIfMatch(ifMatch, app.Version);
            await RefuseDuplicateAsync(tenant, valid.Name, id, ct);
            Apply(app, valid, clock.GetUtcNow());
            return app;
        }, ct);
        return ApplicationView.Of(updated);
    }

    public async Task DeleteAsync(Guid tenant, Guid id, string? ifMatch, CancellationToken ct = default)
    {
        await EnsureCanEditAsync(tenant, ct);
        await db.WriteAsync("Remove application", async () =>
        {
            var app = await db.BusinessApplications.ForUpdate().FirstOrDefaultAsync(a => a.Id == id && a.TenantId == tenant, ct)
                ?? throw new NotFoundException("Application", id);
            EntityTags.CheckIfMatch(ifMatch, app.Version);
            db.BusinessApplications.Remove(app);
        }, ct);
    }

    async Task RefuseDuplicateAsync(Guid tenant, string name, Guid? except, CancellationToken ct)
    {
        var key = BusinessApplication.KeyOf(name);
        if (await db.BusinessApplications.AnyAsync(a => a.TenantId == tenant && a.NameKey == key && a.Id != except, ct))
        {
            throw new ConflictException("duplicate-application", $"The catalog already has an application named '{name}': edit that one, or give this one another name.");
        }
    }

    /// <summary>Copies the checked input onto the entry; true when anything changed.</summary>
    internal static bool Apply(BusinessApplication app, ApplicationInput.Valid valid, DateTimeOffset now)
    {
        var changed = app.Name != valid.Name || app.Vendor != valid.Vendor || app.AppVersion != valid.Version || app.Owner != valid.Owner
            || app.TestContact != valid.TestContact || app.Criticality != valid.Criticality || app.Kind != valid.Kind
            || !app.Services.SequenceEqual(valid.Services) || app.Users != valid.Users;
        if (!changed)
        {
            return false;
        }
        app.Name = valid.Name;
        app.Vendor = valid.Vendor;
        app.AppVersion = valid.Version;
        app.Owner = valid.Owner;
        app.TestContact = valid.TestContact;
        app.Criticality = valid.Criticality;
        app.Kind = valid.Kind;
        app.Services = valid.Services;
        app.Users = valid.Users;
        app.UpdatedAt = now;
        return true;
    }
}
