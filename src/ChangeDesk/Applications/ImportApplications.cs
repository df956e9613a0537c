using ChangeDesk.Data;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Applications;

/// <summary>
/// Imports a CSV of applications into a tenant's catalog: a row whose name is already in the catalog updates that
/// application, any other row adds one, and applications missing from the file stay. All rows or none: one problem
/// names every line and column that is wrong, and nothing is written. A column the file does not have leaves that
/// detail of an existing application as it is; an empty cell clears it.
/// </summary>
public sealed class ImportApplications(ChangeDeskDb db, CurrentUser user, ApplicationCatalog catalog, TimeProvider clock)
{
    public async Task<ImportResult> HandleAsync(Guid tenant, TextReader csv, CancellationToken ct = default)
    {
        await catalog.EnsureCanReadAsync(tenant, ct);
        if (!ApplicationCatalog.MayEdit(user, tenant))
        {
            throw new ForbiddenException("A tenant's application catalog is kept by its admins (or a provider admin); others read it.");
        }
        var errors = new Errors();
        var rows = ApplicationCsv.Read(csv, errors);
        var stored = await db.BusinessApplications.AsNoTracking().Where(a => a.TenantId == tenant).ToDictionaryAsync(a => a.NameKey, ct);
        var valid = new List<(int Line, ApplicationInput.Valid App)>();
        var lines = new Dictionary<string, int>();
        foreach (var row in rows)
        {
            var input = row.Input.Name is { } name && stored.TryGetValue(BusinessApplication.KeyOf(name), out var current)
                ? Merge(row.Input, row.Columns, current)
                : row.Input;
            var app = input.Check((field, message) => errors.Add($"line {row.Line}, {ApplicationCsv.ColumnOf(field)}", message));
            if (app is null)
            {
                continue;
            }
            if (lines.TryGetValue(BusinessApplication.KeyOf(app.Name), out var first))
            {
                errors.Add($"line {row.Line}, Name", $"'{app.Name}' is already on line {first}: an application appears once.");
                continue;
            }
            lines[BusinessApplication.KeyOf(app.Name)] = row.Line;
            valid.Add((row.Line, app));
        }
        if (!errors.Any && valid.Count == 0)
        {
            errors.Add("file", "The file has a header but no applications.");
        }
        errors.ThrowIfAny();
        return await db.WriteAsync($"Import {valid.Count} applications", async () =>
        {
            var now = clock.GetUtcNow();
            var existing = await db.BusinessApplications.Where(a => a.TenantId == tenant).ToDictionaryAsync(a => a.NameKey, ct);
            int created = 0, updated = 0, unchanged = 0;
            foreach (var (_, app) in valid)
            {
                if (existing.TryGetValue(BusinessApplication.KeyOf(app.Name), out var current))
                {
                    if (ApplicationCatalog.Apply(current, app, now))
                    {
                        updated++;
                    }
                    else
                    {
                        unchanged++;
                    }
                    continue;
                }
                var added = new BusinessApplication { TenantId = tenant, Name = app.Name, CreatedAt = now, UpdatedAt = now };
                ApplicationCatalog.Apply(added, app, now);
                db.BusinessApplications.Add(added);
                created++;
            }
            return new ImportResult(created, updated, unchanged);
        }, ct);
    }

    /// <summary>The row over the application it updates: the columns the file lacks keep the application's values.</summary>
    static ApplicationInput Merge(ApplicationInput row, IReadOnlySet<string> columns, BusinessApplication current) => row with
    {
        Vendor = columns.Contains("Vendor") ? row.Vendor : current.Vendor,
        Version = columns.Contains("Version") ? row.Version : current.AppVersion,
        Owner = columns.Contains("Owner") ? row.Owner : current.Owner,
        TestContact = columns.Contains("Test contact") ? row.TestContact : current.TestContact,
        Criticality = columns.Contains("Criticality") ? row.Criticality : EnumNames.Of(current.Criticality),
        Kind = columns.Contains("Kind") ? row.Kind : EnumNames.Of(current.Kind),
        Services = columns.Contains("Services") ? row.Services : current.Services,
        Users = columns.Contains("Users") ? row.Users : current.Users,
    };

}
