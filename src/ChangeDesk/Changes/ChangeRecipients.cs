using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes;

/// <summary>
/// Who is told about a change: its Message Center post, its emails and webhooks, its approval requests and its
/// tenants' checklist items all go to these tenants. A provider change is told to the tenants it targets, by name or
/// all of them. A customer's own change has no targets (docs/api.md): it concerns the owning tenant, which is told
/// (its post and the webhooks of its endpoints) and implements it, so it owes the implementer's checklist, not a
/// recipient's, and is never asked to approve its own change.
/// </summary>
public sealed class ChangeRecipients(ChangeDeskDb db)
{
    /// <summary>Every tenant, read once per save: an announce to all tenants needs the list for each of its handlers.</summary>
    List<Guid>? allTenants;

    public async Task<IReadOnlyList<Guid>> OfAsync(Change change, CancellationToken ct) =>
        change.OwnerTenantId is { } owner ? [owner]
        : change.TargetsAllTenants ? await AllTenantsAsync(ct)
        : change.Targets.Select(t => t.TenantId).ToList();

    /// <summary>The recipients that owe a recipient's checklist items: all but the owning tenant, which implements the change.</summary>
    public async Task<IReadOnlyList<Guid>> OwingChecklistAsync(Change change, CancellationToken ct) =>
        (await OfAsync(change, ct)).Where(t => t != change.OwnerTenantId).ToList();

    async Task<List<Guid>> AllTenantsAsync(CancellationToken ct)
    {
        if (allTenants is null)
        {
            allTenants = await db.Tenants.IgnoreQueryFilters().OrderBy(t => t.Id).Select(t => t.Id).ToListAsync(ct);
            // A tenant created by a later save of the same scope is told of the changes announced after it.
            db.SavedChanges += Forget;
        }
        return allTenants;
    }

    void Forget(object? sender, SavedChangesEventArgs e)
    {
        allTenants = null;
        db.SavedChanges -= Forget;
    }
}
