using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes;

/// <summary>The checks of a change's content that need the database or the clock: targets, the matrix and the notice rule.</summary>
public sealed class ChangeRules(ChangeDeskDb db, MatrixService matrices, TimeProvider clock, ServiceOptions options)
{
    public void CheckNotice(DateTimeOffset plannedStart, bool adminAction, bool emergency, ChangeType type)
    {
        var decision = NoticePolicy.Check(clock.GetUtcNow(), plannedStart, adminAction, emergency, type.NoticeDays, options.Zone);
        if (!decision.IsAllowed)
        {
            var earliest = decision.EarliestAllowedStart!.Value;
            throw new RuleViolationException("notice-period", "Too little notice for a change that requires admin action.",
                $"A {type.Name.ToLowerInvariant()} change that requires administrator action must be announced {type.NoticeDays} days before it starts. "
                + $"The earliest allowed start is {earliest:yyyy-MM-dd HH:mm} UTC; move the planned start to then or later, or mark the change as an emergency.")
            {
                Extensions = { ["earliestAllowedStart"] = earliest, ["noticeDays"] = type.NoticeDays },
                Errors = { ["plannedStart"] = [$"Must be {earliest:yyyy-MM-dd HH:mm} UTC or later ({type.NoticeDays} days' notice)."] },
            };
        }
    }

    public async Task EnsureTargetsExistAsync(List<Guid> tenantIds, CancellationToken ct)
    {
        if (tenantIds.Count == 0)
        {
            return;
        }
        var known = await db.Tenants.Where(t => EF.Parameter(tenantIds).Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        var unknown = tenantIds.Except(known).ToList();
        if (unknown.Count > 0)
        {
            throw ValidationFailedException.For("targetTenantIds", $"Unknown tenant(s): {string.Join(", ", unknown)}.");
        }
    }

    /// <summary>The matrix decides who may deliver a change: the party responsible for the type's activity in its scope.</summary>
    public async Task EnsureResponsibleAsync(ChangeType type, Scope scope, Guid? ownerTenant, List<Guid> targets, CancellationToken ct)
    {
        var party = ownerTenant is null ? Party.Provider : Party.Customer;
        var activity = type.DeliveringActivity;
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
                $"Under {refusedBy}, '{ResponsibilityMatrix.Describe(activity)}' in scope '{scopeName}' is not {who}'s responsibility, so {who} cannot create or change a {type.Name.ToLowerInvariant()} change there.")
            {
                Extensions = { ["activity"] = EnumNames.Of(activity), ["scope"] = EnumNames.Of(scope) },
            };
        }
    }
}
