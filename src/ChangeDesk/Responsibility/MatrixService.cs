using System.Text;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Responsibility;

public sealed record MatrixCellView(Scope Scope, Responsible Responsible, string Label, CellSource Source);
public sealed record MatrixRowView(Activity Activity, string Name, IReadOnlyList<MatrixCellView> Cells);
public sealed record ScopeView(Scope Key, string Name);
public sealed record MatrixView(Guid? TenantId, string? TenantName, string ProviderName, IReadOnlyList<ScopeView> Scopes, IReadOnlyList<MatrixRowView> Rows);

/// <summary>Loads the effective matrix for a tenant and applies the provider admin's edits.</summary>
public sealed class MatrixService(ChangeDeskDb db, CurrentUser user)
{
    public async Task<ResponsibilityMatrix> ForTenantAsync(Guid? tenantId, CancellationToken ct = default)
    {
        var rows = await db.ResponsibilityOverrides.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.TenantId == null || o.TenantId == tenantId)
            .Select(o => new { o.TenantId, o.Activity, o.Scope, o.Responsible })
            .ToListAsync(ct);
        return new ResponsibilityMatrix(
            rows.Where(r => r.TenantId == null).Select(r => (r.Activity, r.Scope, r.Responsible)),
            rows.Where(r => r.TenantId != null).Select(r => (r.Activity, r.Scope, r.Responsible)));
    }

    public async Task<Func<Guid, ResponsibilityMatrix>> ForTenantsAsync(IReadOnlyCollection<Guid> tenantIds, CancellationToken ct = default)
    {
        // One array parameter rather than one parameter per tenant: SQLite binds parameters by name, so thousands of them cost quadratic time.
        var ids = tenantIds.Distinct().ToList();
        var rows = await db.ResponsibilityOverrides.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.TenantId == null || EF.Parameter(ids).Contains(o.TenantId.Value))
            .Select(o => new { o.TenantId, o.Activity, o.Scope, o.Responsible })
            .ToListAsync(ct);
        var serviceWide = rows.Where(r => r.TenantId == null).Select(r => (r.Activity, r.Scope, r.Responsible)).ToList();
        var own = rows.Where(r => r.TenantId != null).ToLookup(r => r.TenantId!.Value, r => (r.Activity, r.Scope, r.Responsible));
        var byTenant = ids.ToDictionary(t => t, t => new ResponsibilityMatrix(serviceWide, own[t]));
        var fallback = new ResponsibilityMatrix(serviceWide);
        return t => byTenant.GetValueOrDefault(t, fallback);
    }

    public async Task<string> ProviderNameAsync(CancellationToken ct = default) =>
        await db.Settings.Where(s => s.Key == Setting.ProviderName).Select(s => s.Value).FirstOrDefaultAsync(ct) ?? "Provider";

    public async Task<IReadOnlyList<ScopeView>> ScopesAsync(CancellationToken ct = default)
    {
        var names = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith("scope.")).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        return Enum.GetValues<Scope>()
            .Select(s => new ScopeView(s, names.GetValueOrDefault(Setting.ScopeName(s)) ?? ResponsibilityMatrix.DefaultScopeName(s)))
            .ToList();
    }

    /// <summary>
    /// The matrix as the caller sees it: a customer always gets its own effective matrix; the provider gets the
    /// service-wide one, or a tenant's when it names one.
    /// </summary>
    public async Task<MatrixView> ViewAsync(Guid? requestedTenantId, CancellationToken ct = default)
    {
        var tenantId = user.IsProvider ? requestedTenantId : user.TenantId;
        string? tenantName = null;
        if (tenantId is { } t)
        {
            tenantName = await db.Tenants.Where(x => x.Id == t).Select(x => x.Name).FirstOrDefaultAsync(ct)
                ?? throw new NotFoundException("Tenant", t);
        }
        var matrix = await ForTenantAsync(tenantId, ct);
        var providerName = await ProviderNameAsync(ct);
        var scopes = await ScopesAsync(ct);
        var rows = Enum.GetValues<Activity>().Select(a => new MatrixRowView(a, ResponsibilityMatrix.Describe(a),
            scopes.Select(s =>
            {
                var who = matrix.Who(a, s.Key);
                return new MatrixCellView(s.Key, who, Label(who, providerName), matrix.SourceOf(a, s.Key));
            }).ToList())).ToList();
        return new MatrixView(tenantId, tenantName, providerName, scopes, rows);
    }

    static string Label(Responsible who, string providerName) => who switch
    {
        Responsible.Provider => providerName,
        Responsible.Customer => "Customer",
        _ => "Both",
    };

    public async Task SetCellAsync(Activity activity, Scope scope, Responsible responsible, Guid? tenantId, CancellationToken ct = default)
    {
        EnsureProviderAdmin();
        if (tenantId is { } t && !await db.Tenants.AnyAsync(x => x.Id == t, ct))
        {
            throw new NotFoundException("Tenant", t);
        }
        // One cell per tenant (or service-wide), activity and scope is a unique key: of two first settings at once, the
        // later runs again and updates the row the other inserted.
        await db.WriteAsync(tenantId is null ? "Set service-wide responsibility" : "Set tenant responsibility override", async () =>
        {
            var existing = await db.ResponsibilityOverrides
                .FirstOrDefaultAsync(o => o.TenantId == tenantId && o.Activity == activity && o.Scope == scope, ct);
            if (existing is null)
            {
                db.ResponsibilityOverrides.Add(new ResponsibilityOverride { TenantId = tenantId, Activity = activity, Scope = scope, Responsible = responsible });
            }
            else
            {
                existing.Responsible = responsible;
            }
        }, ct);
    }

    public async Task<bool> ClearCellAsync(Activity activity, Scope scope, Guid? tenantId, CancellationToken ct = default)
    {
        EnsureProviderAdmin();
        return await db.WriteAsync("Remove responsibility override", async () =>
        {
            var existing = await db.ResponsibilityOverrides
                .FirstOrDefaultAsync(o => o.TenantId == tenantId && o.Activity == activity && o.Scope == scope, ct);
            if (existing is null)
            {
                return false;
            }
            db.ResponsibilityOverrides.Remove(existing);
            return true;
        }, ct);
    }

    public Task RenameScopeAsync(Scope scope, string name, CancellationToken ct = default) =>
        SetNameAsync(Setting.ScopeName(scope), name, "name", "Rename scope", ct);

    public Task RenameProviderAsync(string name, CancellationToken ct = default) =>
        SetNameAsync(Setting.ProviderName, name, "name", "Rename provider", ct);

    async Task SetNameAsync(string key, string name, string field, string operation, CancellationToken ct)
    {
        EnsureProviderAdmin();
        name = name?.Trim() ?? "";
        if (name.Length is 0 or > 100)
        {
            throw ValidationFailedException.For(field, "Give a name of 1 to 100 characters.");
        }
        await db.WriteAsync(operation, async () =>
        {
            var setting = await db.Settings.FirstOrDefaultAsync(s => s.Key == key, ct);
            if (setting is null)
            {
                db.Settings.Add(new Setting { Key = key, Value = name });
            }
            else
            {
                setting.Value = name;
            }
        }, ct);
    }

    void EnsureProviderAdmin()
    {
        if (!user.IsSystem && !user.Is(Role.ProviderAdmin))
        {
            throw new ForbiddenException("Only a provider admin can change the responsibility matrix.");
        }
    }

    public static string ToCsv(MatrixView view)
    {
        var sb = new StringBuilder();
        sb.Append("Responsibility");
        foreach (var s in view.Scopes)
        {
            sb.Append(',').Append(CsvField(s.Name));
        }
        sb.Append("\r\n");
        foreach (var row in view.Rows)
        {
            sb.Append(CsvField(row.Name));
            foreach (var c in row.Cells)
            {
                sb.Append(',').Append(CsvField(c.Label));
            }
            sb.Append("\r\n");
        }
        return sb.ToString();
    }

    public static string ToMarkdown(MatrixView view)
    {
        static string Cell(string s) => s.Replace("|", "\\|");
        var sb = new StringBuilder();
        sb.Append("| Responsibility | ").AppendJoin(" | ", view.Scopes.Select(s => Cell(s.Name))).Append(" |\n");
        sb.Append("| --- |").Append(string.Concat(view.Scopes.Select(_ => " --- |"))).Append('\n');
        foreach (var row in view.Rows)
        {
            sb.Append("| ").Append(Cell(row.Name)).Append(" | ").AppendJoin(" | ", row.Cells.Select(c => Cell(c.Label))).Append(" |\n");
        }
        return sb.ToString();
    }

    public static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 || value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('-') || value.StartsWith('@')
            ? "\"" + (value.StartsWith('=') || value.StartsWith('+') || value.StartsWith('-') || value.StartsWith('@') ? "'" : "") + value.Replace("\"", "\"\"") + "\""
            : value;
}
