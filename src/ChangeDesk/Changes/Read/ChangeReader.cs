using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes.Read;

/// <summary>The change list and one change as the caller may see it, for the API and the pages.</summary>
public sealed class ChangeReader(ChangeDeskDb db, CurrentUser user, ChangeAccess access, MarkdownRenderer markdown)
{
    public async Task<ChangePage> ListAsync(ChangeFilter filter, CancellationToken ct = default)
    {
        var query = db.Changes.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.State))
        {
            query = EnumNames.TryParse<ChangeState>(filter.State, out var state)
                ? query.Where(c => c.State == state)
                : throw ValidationFailedException.For("state", $"State must be one of {EnumNames.List<ChangeState>()}.");
        }
        if (!string.IsNullOrWhiteSpace(filter.Type))
        {
            var type = filter.Type.Trim().ToLowerInvariant();
            query = ChangeTypeCatalog.Keys.Contains(type)
                ? query.Where(c => c.TypeKey == type)
                : throw ValidationFailedException.For("type", $"Type must be one of {string.Join(", ", ChangeTypeCatalog.Keys)}.");
        }
        if (!string.IsNullOrWhiteSpace(filter.Scope))
        {
            query = EnumNames.TryParse<Scope>(filter.Scope, out var scope)
                ? query.Where(c => c.Scope == scope)
                : throw ValidationFailedException.For("scope", $"Scope must be one of {EnumNames.List<Scope>()}.");
        }
        if (filter.TenantId is { } other && !user.IsProvider && other != user.TenantId)
        {
            // A customer may only ask about its own tenant.
            query = query.Where(_ => false);
        }
        else if (filter.TenantId is { } tenant)
        {
            query = query.Where(c => c.OwnerTenantId == tenant || (c.OwnerTenantId == null && (c.TargetsAllTenants || c.Targets.Any(t => t.TenantId == tenant))));
        }
        if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            var q = filter.Q.Trim().ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL lower(); the overloads with a culture or comparison are not
            query = query.Where(c => c.Title.ToLower().Contains(q) || c.Description.ToLower().Contains(q));
#pragma warning restore CA1304, CA1311, CA1862
        }
        if (filter.Top is < 1 or > 500)
        {
            throw ValidationFailedException.For("top", "Top must be between 1 and 500.");
        }
        if (filter.Skip < 0)
        {
            throw ValidationFailedException.For("skip", "Skip must not be negative.");
        }
        var total = await query.CountAsync(ct);
        var items = await query
            .OrderByDescending(c => c.PlannedStart).ThenByDescending(c => c.Id)
            .Skip(filter.Skip).Take(filter.Top)
            .Select(c => new ChangeSummary(c.Id, "CHG-" + c.Id, c.Title, c.TypeKey, c.Subtype, c.Scope, c.State, c.Severity, c.IsEmergency,
                c.IsMajorChange, c.AdminActionRequired, c.OwnerTenantId == null ? Party.Provider : Party.Customer, c.OwnerTenantId,
                c.PlannedStart, c.PlannedEnd, c.UpdatedAt))
            .ToListAsync(ct);
        return new ChangePage(items, total, filter.Skip, filter.Top);
    }

    public async Task<ChangeView> GetAsync(int id, CancellationToken ct = default)
    {
        var change = await access.LoadAsync(id, tracking: false, ct);
        return await ToViewAsync(change, ct);
    }

    async Task<ChangeView> ToViewAsync(Change c, CancellationToken ct)
    {
        var tenantIds = c.Tasks.Where(t => t.TenantId != null).Select(t => t.TenantId!.Value).Distinct().ToList();
        var tenantNames = await db.Tenants.Where(t => EF.Parameter(tenantIds).Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var canWrite = access.CanWrite(c);
        var messageId = await db.Messages.Where(m => m.ChangeId == c.Id).Select(m => m.Id).FirstOrDefaultAsync(ct);
        // A customer sees whether it is targeted, never which other tenants are.
        var targets = user.IsProvider ? c.Targets.Select(t => t.TenantId).ToList()
            : c.Targets.Where(t => t.TenantId == user.TenantId).Select(t => t.TenantId).ToList();
        return new ChangeView(c.Id, c.Number, c.Title, c.Description, markdown.ToHtml(c.Description), c.TypeKey, c.Subtype, c.Scope,
            c.OwnerParty, c.OwnerTenantId, c.TargetsAllTenants, targets, c.Services, c.AdminActionRequired, c.AdminAction, c.Consent,
            c.ActionRequiredBy, c.PlannedStart, c.PlannedEnd, c.IsEmergency, c.Severity, c.IsMajorChange, c.State, c.Version,
            c.CreatedAt, c.UpdatedAt, c.AnnouncedAt,
            canWrite ? ChangeStateMachine.AllowedFrom(c.State) : [],
            canWrite && ChangeStateMachine.IsEditable(c.State),
            c.Mitigations.OrderBy(m => m.AppliedAt).Select(m => new MitigationView(m.Id, m.Description, m.AppliedAt, m.RecordedAt)).ToList(),
            c.Tasks.OrderBy(t => t.Phase).ThenBy(t => t.Party).ThenBy(t => t.TenantId.HasValue ? tenantNames.GetValueOrDefault(t.TenantId.Value) : "").ThenBy(t => t.Ordinal)
                .Select(t => new TaskView(t.Id, t.Phase, t.Party, t.TenantId, t.TenantId is { } tid ? tenantNames.GetValueOrDefault(tid) : null,
                    t.Text, t.CompletedAt, t.CompletedByName, t.CompletedAt is null && access.CanComplete(t)))
                .ToList(),
            c.MessageCategory, c.ExtraTags, messageId);
    }
}
