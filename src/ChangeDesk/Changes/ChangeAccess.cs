using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes;

/// <summary>Loading a change and deciding who may author, change or tick off what, for every use case of changes.</summary>
public sealed class ChangeAccess(ChangeDeskDb db, CurrentUser user)
{
    /// <summary>
    /// Loads a change with its targets, mitigations and tasks. Tracked, it is loaded to be written: its row stays locked
    /// until the write commits, so writers of one change (its author, an approver, a tenant completing a task) take
    /// turns instead of each deciding on what the other is about to change.
    /// </summary>
    public async Task<Change> LoadAsync(int id, bool tracking, CancellationToken ct)
    {
        if (tracking)
        {
            await db.Changes.Where(c => c.Id == id).LockAsync(ct);
        }
        var query = db.Changes.Include(c => c.Targets).Include(c => c.Mitigations).Include(c => c.Tasks).AsSplitQuery();
        return await (tracking ? query : query.AsNoTracking()).FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? throw new NotFoundException("Change", id);
    }

    public async Task<Dictionary<string, ChangeType>> TypesAsync(CancellationToken ct) =>
        await db.ChangeTypes.AsNoTracking().ToDictionaryAsync(t => t.Key, ct);

    public async Task<ChangeType> TypeAsync(Change change, CancellationToken ct) =>
        await db.ChangeTypes.AsNoTracking().FirstAsync(t => t.Key == change.TypeKey, ct);

    public void EnsureCanAuthor()
    {
        if (!user.Is(Role.ProviderAdmin, Role.ReleaseManager, Role.TenantAdmin))
        {
            throw new ForbiddenException($"Your role ({user.Role?.Name() ?? "none"}) cannot create or change changes: release managers, provider admins and tenant admins can.");
        }
    }

    public bool CanWrite(Change change) => change.OwnerTenantId is null
        ? user.Is(Role.ProviderAdmin, Role.ReleaseManager)
        : user.Is(Role.TenantAdmin) && user.TenantId == change.OwnerTenantId;

    public void EnsureCanWrite(Change change)
    {
        if (!CanWrite(change))
        {
            throw new ForbiddenException(change.OwnerTenantId is null
                ? "This change belongs to the provider: only its release managers and provider admins can change it."
                : "This change belongs to a customer tenant: only that tenant's admins can change it.");
        }
    }

    public bool CanComplete(ChecklistTask task) => task.Party == Party.Provider
        ? user.Is(Role.ProviderAdmin, Role.ReleaseManager, Role.SupportEngineer)
        : user.Is(Role.TenantAdmin) && user.TenantId == task.TenantId;
}
