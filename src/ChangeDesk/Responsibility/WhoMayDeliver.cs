using ChangeDesk.Web;

namespace ChangeDesk.Responsibility;

/// <summary>
/// Who may deliver a change: the party the matrix makes responsible for the change type's delivering activity in its
/// scope. A provider change is checked against the service-wide matrix and each targeted tenant's; a customer's own
/// change against its tenant's.
/// </summary>
public sealed class WhoMayDeliver(MatrixService matrices)
{
    /// <summary>Refuses (<c>403 responsibility</c>), naming the matrix, the activity and the scope, when the party may not.</summary>
    public async Task EnsureAsync(Activity activity, string typeName, Scope scope, Guid? ownerTenant, List<Guid> targets, CancellationToken ct)
    {
        var party = ownerTenant is null ? Party.Provider : Party.Customer;
        var scopes = await matrices.ScopesAsync(ct);
        var scopeName = scopes.First(s => s.Key == scope).Name;
        var checkedTenants = ownerTenant is { } own ? [own] : targets;
        var matrixFor = await matrices.ForTenantsAsync(checkedTenants, ct);
        var serviceWide = await matrices.ForTenantAsync(null, ct);
        var refusedBy = ownerTenant is null && !serviceWide.IsResponsible(party, activity, scope) ? "the service-wide matrix"
            : checkedTenants.Where(t => !matrixFor(t).IsResponsible(party, activity, scope)).Select(t => $"tenant {t}'s matrix").FirstOrDefault();
        if (refusedBy is not null)
        {
            var who = party == Party.Provider ? "the provider" : "a customer";
            throw new ProblemException(403, "responsibility", "Not your party's responsibility.",
                $"Under {refusedBy}, '{ResponsibilityMatrix.Describe(activity)}' in scope '{scopeName}' is not {who}'s responsibility, so {who} cannot create or change a {typeName.ToLowerInvariant()} change there.")
            {
                Extensions = { ["activity"] = EnumNames.Of(activity), ["scope"] = EnumNames.Of(scope) },
            };
        }
    }
}
