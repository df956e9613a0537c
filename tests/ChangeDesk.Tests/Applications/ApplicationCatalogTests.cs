using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChangeDesk.Applications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Applications;

/// <summary>A tenant keeps its catalog of business applications by hand, over the API and the page, or by CSV.</summary>
public sealed class ApplicationCatalogTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string Url(Guid tenant, string rest = "") => $"/api/tenants/{tenant}/applications{rest}";

    static object Payroll(string name = "Payroll") => new
    {
        name,
        vendor = "Fabrikam IT",
        version = "4.1",
        owner = "Payroll team",
        testContact = "Payroll-Test@Example.test",
        criticality = "business-critical",
        kind = "line-of-business",
        services = new[] { "Windows", "Microsoft 365 Apps", "windows" },
        users = 180,
    };

    static async Task<ApplicationView> ReadAsync(HttpResponseMessage response, int status)
    {
        await Expect.StatusAsync(response, status);
        return (await response.Content.ReadFromJsonAsync<ApplicationView>(ChangeDeskFactory.Json, Ct))!;
    }

    static Task<HttpResponseMessage> ImportAsync(TestUser user, Guid tenant, string csv) =>
        user.Client.PostAsync(Url(tenant, "/import"), new StringContent(csv, Encoding.UTF8, "text/csv"), Ct);

    [Fact]
    public async Task ATenantAdminAddsEditsAndRemovesAnApplicationAndNamesAreUniqueWhateverTheirCase()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();

        var created = await ReadAsync(await admin.PostJsonAsync(Url(tenant.Id), Payroll()), 201);
        Assert.Equal(("Payroll", "4.1", "payroll-test@example.test", Criticality.BusinessCritical, ApplicationKind.LineOfBusiness, 180),
            (created.Name, created.Version, created.TestContact, created.Criticality, created.Kind, created.Users));
        Assert.Equal(["Windows", "Microsoft 365 Apps"], created.Services);
        Assert.Equal(created.Id, Assert.Single(await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id))).Id);
        await Expect.ProblemAsync(await admin.PostJsonAsync(Url(tenant.Id), Payroll("PAYROLL ")), 409, "duplicate-application");

        var edited = await ReadAsync(await admin.SendAsync(HttpMethod.Put, Url(tenant.Id, $"/{created.Id}"),
            new { name = "Payroll", version = "4.2", criticality = "important" }, ("If-Match", created.ETag)), 200);
        Assert.Equal(("4.2", Criticality.Important, ApplicationKind.Other, (string?)null), (edited.Version, edited.Criticality, edited.Kind, edited.Vendor));
        var stale = await admin.SendAsync(HttpMethod.Put, Url(tenant.Id, $"/{created.Id}"), new { name = "Payroll", version = "9" }, ("If-Match", created.ETag));
        await Expect.ProblemAsync(stale, 412, "precondition-failed");

        await Expect.StatusAsync(await admin.SendAsync(HttpMethod.Delete, Url(tenant.Id, $"/{created.Id}")), 204);
        Assert.Empty(await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id)));
        await app.ChainAuditAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var audit = await pa.GetJsonAsync<List<ChangeDesk.Audit.AuditEntryView>>("/api/audit?top=1000");
        Assert.Equal(["Add application", "Edit application", "Remove application"],
            audit.Where(r => r.EntityType == nameof(BusinessApplication) && r.EntityId == created.Id.ToString()).Select(r => r.Operation!));
    }

    [Fact]
    public async Task EveryWrongFieldIsNamedAndNothingIsStored()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.PostJsonAsync(Url(tenant.Id), new { name = " ", criticality = "vital", kind = "plugin", testContact = "not an address", users = -1 });

        var problem = await Expect.ProblemAsync(response, 400, "validation");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "name", "criticality", "kind", "testContact", "users" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"{field} should be named in {errors}");
        }
        Assert.Contains("business-critical, important, other", errors.GetProperty("criticality")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id)));
    }

    [Fact]
    public async Task AnotherTenantsCatalogDoesNotExistForItAndReadersReadButDoNotWrite()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var (_, other) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        var releaseManager = await app.CreateUserAsync(Role.ReleaseManager);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var payroll = await ReadAsync(await admin.PostJsonAsync(Url(tenant.Id), Payroll()), 201);

        foreach (var response in new[]
        {
            await other.Client.GetAsync(Url(tenant.Id), Ct),
            await other.Client.GetAsync(Url(tenant.Id, $"/{payroll.Id}"), Ct),
            await other.Client.GetAsync(Url(tenant.Id, "/export"), Ct),
            await other.PostJsonAsync(Url(tenant.Id), Payroll("Sneaky")),
            await other.PutJsonAsync(Url(tenant.Id, $"/{payroll.Id}"), Payroll("Sneaky")),
            await other.SendAsync(HttpMethod.Delete, Url(tenant.Id, $"/{payroll.Id}")),
            await ImportAsync(other, tenant.Id, "Name\nSneaky\n"),
        })
        {
            await Expect.ProblemAsync(response, 404, "not-found");
        }
        // Nor is another tenant's application reachable through the caller's own tenant.
        await Expect.ProblemAsync(await other.Client.GetAsync(Url(other.TenantId!.Value, $"/{payroll.Id}"), Ct), 404, "not-found");

        foreach (var user in new[] { reader, releaseManager })
        {
            Assert.Single(await user.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id)));
            await Expect.ProblemAsync(await user.PostJsonAsync(Url(tenant.Id), Payroll("Other")), 403, "forbidden");
            await Expect.ProblemAsync(await user.SendAsync(HttpMethod.Delete, Url(tenant.Id, $"/{payroll.Id}")), 403, "forbidden");
            await Expect.ProblemAsync(await ImportAsync(user, tenant.Id, "Name\nOther\n"), 403, "forbidden");
        }
        await ReadAsync(await providerAdmin.PostJsonAsync(Url(tenant.Id), Payroll("Added by the provider")), 201);
        Assert.Equal(2, (await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id))).Count);
        Assert.Empty(await other.GetJsonAsync<List<ApplicationView>>(Url(other.TenantId!.Value)));
    }

    [Fact]
    public async Task AnExportImportsBackUnchangedAndAnImportUpdatesByNameAndAddsTheRest()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        await ReadAsync(await admin.PostJsonAsync(Url(tenant.Id), Payroll()), 201);
        await ReadAsync(await admin.PostJsonAsync(Url(tenant.Id), new { name = "=HYPERLINK(\"http://evil.example\")", services = new[] { "Edge" } }), 201);

        var export = await admin.Client.GetAsync(Url(tenant.Id, "/export"), Ct);
        await Expect.StatusAsync(export, 200);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var csv = await export.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("Name,Vendor,Version,Owner,Test contact,Criticality,Kind,Services,Users", csv, StringComparison.Ordinal);
        Assert.Contains("Payroll,Fabrikam IT,4.1,Payroll team,payroll-test@example.test,business-critical,line-of-business,Windows; Microsoft 365 Apps,180", csv, StringComparison.Ordinal);
        // A cell a spreadsheet would run as a formula is escaped.
        Assert.DoesNotContain("\n=HYPERLINK", csv, StringComparison.Ordinal);

        var again = await ImportAsync(admin, tenant.Id, csv.Replace("'=HYPERLINK", "=HYPERLINK", StringComparison.Ordinal));
        await Expect.StatusAsync(again, 200);
        Assert.Equal(new ImportResult(0, 0, 2), await again.Content.ReadFromJsonAsync<ImportResult>(ChangeDeskFactory.Json, Ct));

        const string update = """
            name,criticality,kind,services,users,test contact
            payroll,important,line-of-business,Windows,"1,200",payroll-test@example.test
            "VPN, remote",business-critical,remote-access,Windows,900,
            """;
        var imported = await ImportAsync(admin, tenant.Id, update);
        await Expect.StatusAsync(imported, 200);
        Assert.Equal(new ImportResult(1, 1, 0), await imported.Content.ReadFromJsonAsync<ImportResult>(ChangeDeskFactory.Json, Ct));
        var apps = await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id));
        Assert.Equal(3, apps.Count);
        // The row's spelling of the name is kept.
        var payroll = apps.Single(a => a.Name == "payroll");
        Assert.Equal((Criticality.Important, 1200, "4.1"), (payroll.Criticality, payroll.Users, payroll.Version));
        Assert.Equal(ApplicationKind.RemoteAccess, apps.Single(a => a.Name == "VPN, remote").Kind);
    }

    [Fact]
    public async Task AnImportWithBadRowsNamesEachLineAndColumnAndImportsNothing()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        const string csv = """
            Name,Criticality,Kind,Users,Test contact
            Payroll,business-critical,line-of-business,180,payroll@example.test
            ERP,vital,line-of-business,340,
            VPN,important,remote-access,many,
            payroll,other,other,1,
            ,other,other,1,
            Excel add-in,other,office-add-in,5,someone
            """;

        var response = await ImportAsync(admin, tenant.Id, csv);

        var errors = (await Expect.ProblemAsync(response, 400, "validation")).GetProperty("errors");
        var keys = errors.EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["line 3, Criticality", "line 4, Users", "line 5, Name", "line 6, Name", "line 7, Test contact"], keys);
        Assert.Contains("line 2", errors.GetProperty("line 5, Name")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id)));

        var header = await ImportAsync(admin, tenant.Id, "Name,Colour\nPayroll,blue\n");
        Assert.True((await Expect.ProblemAsync(header, 400, "validation")).GetProperty("errors").TryGetProperty("line 1, Colour", out _));
        var quotes = await ImportAsync(admin, tenant.Id, "Name,Vendor\nPayroll,\"Fabrikam\nERP,Contoso\n");
        await Expect.ProblemAsync(quotes, 400, "validation");
        await Expect.ProblemAsync(await ImportAsync(admin, tenant.Id, "Name,Vendor\n"), 400, "validation");
        var json = await admin.PostJsonAsync(Url(tenant.Id, "/import"), new { name = "Payroll" });
        await Expect.ProblemAsync(json, 415, "unsupported-media-type");
        Assert.Empty(await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id)));
    }

    [Fact]
    public async Task TheApplicationsPageAddsAnApplicationAndShowsAnImportsRowProblems()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        using var browser = await app.SignInWithCookieAsync(admin);
        var token = await CookieSession.FormTokenAsync(browser, "/applications");

        var saved = await browser.PostAsync("/applications?handler=Save", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Form.Name"] = "GlobalProtect VPN",
            ["Form.Criticality"] = "business-critical",
            ["Form.Kind"] = "remote-access",
            ["Form.Services"] = "Windows, Edge",
            ["Form.Users"] = "1200",
            ["__RequestVerificationToken"] = token,
        }), Ct);
        await Expect.StatusAsync(saved, 302);
        var page = await (await browser.GetAsync("/applications", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("<th scope=\"row\">GlobalProtect VPN</th>", page, StringComparison.Ordinal);
        Assert.Equal(["Windows", "Edge"], Assert.Single(await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id))).Services);

        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes("Name,Criticality\nPayroll,vital\n")), "file", "apps.csv" },
        };
        var import = await browser.PostAsync("/applications?handler=Import", form, Ct);
        await Expect.StatusAsync(import, 200);
        var shown = await import.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Nothing was imported", shown, StringComparison.Ordinal);
        Assert.Contains("line 2, Criticality: Criticality is one of business-critical, important, other.", shown, StringComparison.Ordinal);
        Assert.Single(await admin.GetJsonAsync<List<ApplicationView>>(Url(tenant.Id)));

        // A reader sees the catalog without the forms.
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        using var readerBrowser = await app.SignInWithCookieAsync(reader);
        var readOnly = await (await readerBrowser.GetAsync("/applications", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("GlobalProtect VPN", readOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Save", readOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Import", readOnly, StringComparison.Ordinal);
    }
}
