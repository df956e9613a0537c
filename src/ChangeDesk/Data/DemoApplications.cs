using ChangeDesk.Applications;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

/// <summary>Each demo tenant's catalog of business applications, entered by its admin as a real one would be.</summary>
static class DemoApplications
{
    static readonly Dictionary<string, ApplicationInput[]> Catalogs = new()
    {
        ["admin@fabrikam.example"] =
        [
            App("Fabrikam Payroll", "Fabrikam IT", "4.1", "business-critical", "line-of-business", ["Windows", "Microsoft 365 Apps"], 180, "Payroll team", "payroll-test@fabrikam.example"),
            App("GlobalProtect VPN", "Palo Alto Networks", "6.2.1", "business-critical", "remote-access", ["Windows"], 1200, "Network team", "vpn-test@fabrikam.example"),
            App("Dynamics ERP client", "Microsoft", "10.0.38", "business-critical", "line-of-business", ["Windows", "Edge"], 340, "Finance systems", "erp-test@fabrikam.example"),
            App("Budget Planner for Excel", "Fabrikam Finance", "2.3", "important", "office-add-in", ["Microsoft 365 Apps"], 95, "Controlling", "finance-test@fabrikam.example"),
            App("Contoso Sign", "Contoso", "3.0", "important", "browser-extension", ["Edge"], 600, "Legal", null),
            App("Label printer driver", "Zebra", "8.6", "other", "driver", ["Windows"], 40, "Warehouse", null),
        ],
        ["admin@tailspin.example"] =
        [
            App("Tailspin Point of Sale", "Tailspin IT", "12.4", "business-critical", "line-of-business", ["Windows"], 420, "Store operations", "pos-test@tailspin.example"),
            App("Citrix Workspace", "Citrix", "2409", "business-critical", "remote-access", ["Windows"], 900, "Infrastructure", "vdi-test@tailspin.example"),
            App("Inventory add-in", "Tailspin IT", "1.8", "important", "office-add-in", ["Microsoft 365 Apps"], 60, "Supply chain", null),
        ],
        ["admin@woodgrove.example"] =
        [
            App("Woodgrove Core Banking client", "Woodgrove IT", "7.2", "business-critical", "line-of-business", ["Windows", "Edge"], 1500, "Banking systems", "core-test@woodgrove.example"),
            App("Cisco Secure Client", "Cisco", "5.1", "business-critical", "remote-access", ["Windows"], 2100, "Network security", "vpn-test@woodgrove.example"),
            App("Risk model workbook add-in", "Woodgrove Risk", "3.4", "important", "office-add-in", ["Microsoft 365 Apps"], 75, "Risk office", null),
        ],
    };

    static ApplicationInput App(
        string name, string vendor, string version, string criticality, string kind, List<string> services, int users, string owner, string? contact) =>
        new() { Name = name, Vendor = vendor, Version = version, Criticality = criticality, Kind = kind, Services = services, Users = users, Owner = owner, TestContact = contact };

    public static async Task SeedAsync(IServiceProvider root, CancellationToken ct)
    {
        foreach (var (email, apps) in Catalogs)
        {
            using var scope = root.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            var admin = await db.Users.IgnoreQueryFilters().SingleAsync(u => u.Email == email, ct);
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAs(admin);
            var catalog = scope.ServiceProvider.GetRequiredService<ApplicationCatalog>();
            foreach (var app in apps)
            {
                await catalog.CreateAsync(admin.TenantId!.Value, app, ct);
            }
        }
    }
}
