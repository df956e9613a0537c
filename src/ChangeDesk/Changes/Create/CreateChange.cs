using ChangeDesk.Changes.Read;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Changes.Create;

/// <summary>Drafts a change: provider staff draft the provider's, a tenant admin its own tenant's.</summary>
public sealed class CreateChange(ChangeDeskDb db, CurrentUser user, ChangeAccess access, ChangeRules rules, ChangeReader reader, TimeProvider clock)
{
    public async Task<ChangeView> HandleAsync(ChangeInput input, CancellationToken ct = default)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        var created = await db.WriteAsync("Create change", async () =>
        {
            access.EnsureCanAuthor();
            var ownerTenant = user.IsProvider ? null : user.TenantId;
            var valid = input.Validate(await access.TypesAsync(ct), customerOwned: ownerTenant is not null);
            await rules.EnsureTargetsExistAsync(valid.TargetTenantIds, ct);
            await rules.EnsureResponsibleAsync(valid.Type, valid.Scope, ownerTenant, valid.TargetTenantIds, ct);
            var now = clock.GetUtcNow();
            var change = new Change
            {
                Title = valid.Title,
                TypeKey = valid.Type.Key,
                Subtype = valid.Subtype,
                OwnerTenantId = ownerTenant,
                CreatedById = user.Id ?? Guid.Empty,
                CreatedAt = now,
                UpdatedAt = now,
            };
            change.Describe(valid);
            db.Changes.Add(change);
            return change;
        }, ct);
        return await reader.GetAsync(created.Id, ct);
    }
}
