using System.Globalization;
using System.Net.Http.Json;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using MessagesQuery = Microsoft.Graph.Admin.ServiceAnnouncement.Messages.MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>OData through the SDK's query parameters: $filter, $orderby, $top, $skip, $count, $select, and paging.</summary>
public sealed class GraphQueryTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Five messages in a new tenant, announced one minute apart (so lastModifiedDateTime differs):
    /// A planForChange/high/major, B stayInformed retirement, C preventOrFixIssue/critical security,
    /// D preventOrFixIssue hotfix, E stayInformed/high new feature.
    /// </summary>
    sealed record Five(GraphServiceClient Graph, Dictionary<string, string> Ids, Dictionary<string, string> Keys, DateTimeOffset T0)
    {
        public string this[string key] => Ids[key];

        public async Task<List<ServiceUpdateMessage>> ListAsync(Action<MessagesQuery>? query = null)
        {
            var page = await Graph.Admin.ServiceAnnouncement.Messages.GetAsync(c => query?.Invoke(c.QueryParameters), Ct);
            Assert.NotNull(page?.Value);
            return page.Value;
        }

        /// <summary>The keys (A–E) of the messages a $filter returns, in the default order (newest first).</summary>
        public async Task<string> FilterAsync(string filter)
        {
            var found = await ListAsync(q => q.Filter = filter);
            var count = await Graph.Admin.ServiceAnnouncement.Messages.Count.GetAsync(c => c.QueryParameters.Filter = filter, Ct);
            Assert.Equal(found.Count, count);
            return KeysOf(found);
        }

        public string KeysOf(IEnumerable<ServiceUpdateMessage> messages) => string.Concat(messages.Select(m => Keys[m.Id!]));
    }

    async Task<Five> FiveAsync()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var t0 = app.Clock.GetUtcNow();
        var specs = new (string Key, ChangeSpec Spec)[]
        {
            ("A", new() { Title = "Alpha printer console", AdminActionRequired = true, AdminAction = "Review printer defaults", StartIn = TimeSpan.FromDays(7),
                EndIn = TimeSpan.FromDays(8), ActionRequiredByIn = TimeSpan.FromDays(6), Severity = "high", IsMajorChange = true, Services = ["Windows", "Microsoft Intune"] }),
            ("B", new() { Title = "Bravo kiosk retirement", Subtype = "deprecated-feature", StartIn = TimeSpan.FromDays(10), Services = ["Windows"] }),
            ("C", new() { Title = "Charlie security update", Type = "security", Subtype = null, Severity = "critical", StartIn = TimeSpan.FromDays(14),
                Services = ["Windows", "Microsoft Edge"] }),
            ("D", new() { Title = "Delta sign-in hotfix", Type = "non-security", Subtype = "client-hotfix", StartIn = TimeSpan.FromDays(21), Services = ["Microsoft 365 Apps"] }),
            ("E", new() { Title = "Echo's printer install", Subtype = "new-feature", Tags = ["User impact"], Severity = "high", StartIn = TimeSpan.FromDays(28), Services = ["Windows"] }),
        };
        var ids = new Dictionary<string, string>();
        foreach (var (key, spec) in specs)
        {
            ids[key] = (await app.AnnounceAsync(rm, spec, tenant.Id)).MessageId!;
            app.Clock.Advance(TimeSpan.FromMinutes(1));
        }
        return new Five(app.Graph(admin), ids, ids.ToDictionary(i => i.Value, i => i.Key), t0);
    }

    static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task EqAndNeOnCategorySeverityIdAndIsMajorChange()
    {
        var five = await FiveAsync();
        Assert.Equal("EDCBA", string.Concat((await five.ListAsync()).Select(m => five.Keys[m.Id!])));
        Assert.Equal("A", await five.FilterAsync("category eq 'planForChange'"));
        Assert.Equal("EB", await five.FilterAsync("category eq 'stayInformed'"));
        Assert.Equal("DC", await five.FilterAsync("category eq 'preventOrFixIssue'"));
        Assert.Equal("EA", await five.FilterAsync("severity eq 'high'"));
        Assert.Equal("C", await five.FilterAsync("severity eq 'critical'"));
        Assert.Equal("C", await five.FilterAsync($"id eq '{five["C"]}'"));
        Assert.Equal("", await five.FilterAsync("id eq 'MC1'"));
        Assert.Equal("ECA", await five.FilterAsync("severity ne 'normal'"));
        Assert.Equal("EBA", await five.FilterAsync("category ne 'preventOrFixIssue'"));
        Assert.Equal("EDCB", await five.FilterAsync($"id ne '{five["A"]}'"));
        Assert.Equal("A", await five.FilterAsync("isMajorChange eq true"));
        Assert.Equal("EDCB", await five.FilterAsync("isMajorChange eq false"));
        Assert.Equal("EDCB", await five.FilterAsync("endDateTime eq null"));
        Assert.Equal("A", await five.FilterAsync("actionRequiredByDateTime ne null"));
    }

    [Fact]
    public async Task ComparisonsOnStartAndLastModifiedDateTime()
    {
        var five = await FiveAsync();
        var t0 = five.T0;
        // Starts: A t0+7d, B t0+1m+10d, C t0+2m+14d, D t0+3m+21d, E t0+4m+28d.
        Assert.Equal("EDCB", await five.FilterAsync($"startDateTime gt {Iso(t0.AddDays(10))}"));
        Assert.Equal("EDC", await five.FilterAsync($"startDateTime gt {Iso(t0.AddDays(10).AddMinutes(1))}"));
        Assert.Equal("EDCB", await five.FilterAsync($"startDateTime ge {Iso(t0.AddDays(10).AddMinutes(1))}"));
        Assert.Equal("BA", await five.FilterAsync($"startDateTime lt {Iso(t0.AddDays(14).AddMinutes(2))}"));
        Assert.Equal("CBA", await five.FilterAsync($"startDateTime le {Iso(t0.AddDays(14).AddMinutes(2))}"));
        // A literal with an offset is the same instant.
        Assert.Equal("CBA", await five.FilterAsync(
            $"startDateTime le {t0.AddDays(14).AddMinutes(2).ToOffset(TimeSpan.FromHours(2)):yyyy-MM-dd'T'HH:mm:ss'+02:00'}"));
        Assert.Equal("DC", await five.FilterAsync($"startDateTime ge {Iso(t0.AddDays(12))} and startDateTime lt {Iso(t0.AddDays(25))}"));
        // A date literal is midnight UTC of that day.
        Assert.Equal("BA", await five.FilterAsync($"startDateTime lt {t0.AddDays(12).UtcDateTime:yyyy-MM-dd}"));
        Assert.Equal("EDC", await five.FilterAsync($"startDateTime ge {t0.AddDays(12).UtcDateTime:yyyy-MM-dd}"));

        // Announced at t0, t0+1m, … t0+4m.
        Assert.Equal("EDC", await five.FilterAsync($"lastModifiedDateTime ge {Iso(t0.AddMinutes(2))}"));
        Assert.Equal("ED", await five.FilterAsync($"lastModifiedDateTime gt {Iso(t0.AddMinutes(2))}"));
        Assert.Equal("A", await five.FilterAsync($"lastModifiedDateTime lt {Iso(t0.AddMinutes(1))}"));
        Assert.Equal("BA", await five.FilterAsync($"lastModifiedDateTime le {Iso(t0.AddMinutes(1))}"));
        Assert.Equal("EDCBA", await five.FilterAsync($"lastModifiedDateTime ge {Iso(t0)}"));
        Assert.Equal("", await five.FilterAsync($"lastModifiedDateTime gt {Iso(t0.AddMinutes(4))}"));
    }

    [Fact]
    public async Task LambdasOnServicesAndTags()
    {
        var five = await FiveAsync();
        Assert.Equal("C", await five.FilterAsync("services/any(s:s eq 'Microsoft Edge')"));
        Assert.Equal("ECBA", await five.FilterAsync("services/any(s:s eq 'Windows')"));
        Assert.Equal("", await five.FilterAsync("services/any(s:s eq 'windows')"));
        Assert.Equal("B", await five.FilterAsync("tags/any(t:t eq 'Retirement')"));
        Assert.Equal("A", await five.FilterAsync("tags/any(t:t eq 'Admin impact')"));
        Assert.Equal("E", await five.FilterAsync("tags/any(t:t eq 'User impact')"));
        Assert.Equal("EA", await five.FilterAsync("tags/any(t:t eq 'New feature' or t eq 'Feature update')"));
        Assert.Equal("EBA", await five.FilterAsync("tags/any()"));
        Assert.Equal("EB", await five.FilterAsync("services/all(s:s eq 'Windows')"));
    }

    [Fact]
    public async Task AndOrNotWithParenthesesAndStringFunctions()
    {
        var five = await FiveAsync();
        Assert.Equal("EA", await five.FilterAsync("(category eq 'stayInformed' or category eq 'planForChange') and severity eq 'high'"));
        Assert.Equal("EBA", await five.FilterAsync("category eq 'stayInformed' or (category eq 'planForChange' and severity eq 'high')"));
        Assert.Equal("ECA", await five.FilterAsync("not (severity eq 'normal') and services/any(s:s eq 'Windows')"));
        Assert.Equal("CB", await five.FilterAsync(
            $"not(tags/any(t:t eq 'Feature update')) and (startDateTime lt {Iso(five.T0.AddDays(15))} or isMajorChange eq true)"));
        Assert.Equal("D", await five.FilterAsync("not (services/any(s:s eq 'Windows'))"));

        Assert.Equal("EA", await five.FilterAsync("contains(title,'printer')"));
        Assert.Equal("", await five.FilterAsync("contains(title,'Printer')"));
        Assert.Equal("EA", await five.FilterAsync("contains(tolower(title),'printer')"));
        Assert.Equal("B", await five.FilterAsync("startswith(title,'Bravo')"));
        Assert.Equal("D", await five.FilterAsync("endswith(title,'hotfix')"));
        Assert.Equal("E", await five.FilterAsync("startswith(title,'Echo''s') and contains(title,'install')"));
        Assert.Equal("E", await five.FilterAsync("title eq 'Echo''s printer install'"));
        Assert.Equal("DC", await five.FilterAsync($"id in ('{five["C"]}', '{five["D"]}')"));
    }

    [Theory]
    [InlineData("category eq", "Invalid OData query")]
    [InlineData("colour eq 'red'", "colour")]
    [InlineData("length(title) eq 3", "length")]
    [InlineData("startDateTime gt 'soon'", "")]
    [InlineData("title", "boolean")]
    public async Task ABadFilterIsInvalidRequestNamingTheProblem(string filter, string named)
    {
        var five = await FiveAsync();
        var error = await GraphKit.ODataErrorAsync(() => five.ListAsync(q => q.Filter = filter), 400, "invalidRequest");
        Assert.Contains(named, error.Error!.Message);
        await GraphKit.ODataErrorAsync(
            () => five.Graph.Admin.ServiceAnnouncement.Messages.Count.GetAsync(c => c.QueryParameters.Filter = filter, Ct), 400, "invalidRequest");
    }

    [Fact]
    public async Task OrderByTopSkipCountAndSelect()
    {
        var five = await FiveAsync();
        Assert.Equal("EDCBA", five.KeysOf(await five.ListAsync(q => q.Orderby = ["startDateTime desc"])));
        Assert.Equal("ABCDE", five.KeysOf(await five.ListAsync(q => q.Orderby = ["startDateTime"])));
        Assert.Equal("ABCDE", five.KeysOf(await five.ListAsync(q => q.Orderby = ["title asc"])));
        Assert.Equal("ABCDE", five.KeysOf(await five.ListAsync(q => q.Orderby = ["lastModifiedDateTime asc"])));
        // Two keys: critical < high < normal, then the latest start first.
        Assert.Equal("CEADB", five.KeysOf(await five.ListAsync(q => q.Orderby = ["severity asc", "startDateTime desc"])));
        Assert.Equal("BDAEC", five.KeysOf(await five.ListAsync(q => q.Orderby = ["severity desc", "startDateTime asc"])));

        var top = await five.Graph.Admin.ServiceAnnouncement.Messages.GetAsync(c => c.QueryParameters.Top = 2, Ct);
        Assert.Equal("ED", five.KeysOf(top!.Value!));
        Assert.Null(top.OdataNextLink);
        Assert.Equal("BA", five.KeysOf(await five.ListAsync(q => q.Skip = 3)));
        Assert.Equal("", five.KeysOf(await five.ListAsync(q => q.Skip = 5)));
        Assert.Equal("BC", five.KeysOf(await five.ListAsync(q => { q.Orderby = ["title"]; q.Skip = 1; q.Top = 2; })));

        var counted = await five.Graph.Admin.ServiceAnnouncement.Messages.GetAsync(c =>
        {
            c.QueryParameters.Count = true;
            c.QueryParameters.Filter = "severity eq 'normal'";
            c.QueryParameters.Top = 1;
        }, Ct);
        Assert.Equal(2, counted!.OdataCount);
        Assert.Equal("D", five.KeysOf(counted.Value!));
        var uncounted = await five.Graph.Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct);
        Assert.Null(uncounted!.OdataCount);

        var selected = await five.ListAsync(q => { q.Select = ["title", "severity"]; q.Filter = $"id eq '{five["A"]}'"; });
        var a = Assert.Single(selected);
        Assert.Equal(five["A"], a.Id);
        Assert.Equal("Alpha printer console", a.Title);
        Assert.Equal(ServiceUpdateSeverity.High, a.Severity);
        Assert.Null(a.Category);
        Assert.Null(a.Body);
        Assert.Null(a.Tags);
        Assert.Null(a.Services);
        Assert.Null(a.ViewPoint);
        Assert.Null(a.Details);
        Assert.Null(a.StartDateTime);
        Assert.Null(a.IsMajorChange);

        var one = await five.Graph.Admin.ServiceAnnouncement.Messages[five["A"]].GetAsync(c => c.QueryParameters.Select = ["tags", "viewPoint"], Ct);
        Assert.Equal(["Admin impact", "Feature update", "Major update"], one!.Tags!);
        Assert.NotNull(one.ViewPoint);
        Assert.Null(one.Title);

        await GraphKit.ODataErrorAsync(() => five.ListAsync(q => q.Select = ["colour"]), 400, "invalidRequest");
        await GraphKit.ODataErrorAsync(() => five.ListAsync(q => q.Orderby = ["services"]), 400, "invalidRequest");
        await GraphKit.ODataErrorAsync(() => five.ListAsync(q => q.Top = -1), 400, "invalidRequest");
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("4294967296")]
    [InlineData("9223372036854775807")]
    public async Task ASkipBeyondEverythingIsAnEmptyPage(string skip)
    {
        // The SDK's Skip is an int; other Graph clients send any Int64, which OData allows.
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        await app.AnnounceAsync(rm, new ChangeSpec { Title = "Only one" }, tenant.Id);
        var page = await admin.GetJsonAsync<System.Text.Json.JsonElement>($"/graph/v1.0/admin/serviceAnnouncement/messages?$skip={skip}");
        Assert.Equal(0, page.GetProperty("value").GetArrayLength());
        Assert.False(page.TryGetProperty("@odata.nextLink", out _));
    }

    [Theory]
    [InlineData("$apply=groupby((category))")]
    [InlineData("$format=xml")]
    [InlineData("$levels=2")]
    [InlineData("$bogus=1")]
    public async Task AQueryOptionMessagesDoNotSupportIsRefusedNotIgnored(string option)
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.Client.GetAsync($"/graph/v1.0/admin/serviceAnnouncement/messages?{option}", Ct);

        Assert.Equal(400, (int)response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("error");
        Assert.Equal("invalidRequest", error.GetProperty("code").GetString());
        Assert.Contains(option[..option.IndexOf('=')], error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PageIteratorWalksSmallPagesToTheEnd()
    {
        var five = await FiveAsync();
        var inspect = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        var first = await five.Graph.Admin.ServiceAnnouncement.Messages.GetAsync(c =>
        {
            c.QueryParameters.Orderby = ["title asc"];
            c.QueryParameters.Count = true;
            c.Headers.Add("Prefer", "odata.maxpagesize=2");
            c.Options.Add(inspect);
        }, Ct);
        Assert.NotNull(first?.Value);
        Assert.Equal(2, first.Value.Count);
        Assert.Equal(5, first.OdataCount);
        Assert.NotNull(first.OdataNextLink);
        Assert.Equal("odata.maxpagesize=2", Assert.Single(inspect.ResponseHeaders["Preference-Applied"]));

        var seen = new List<string>();
        var nextPages = 0;
        var iterator = PageIterator<ServiceUpdateMessage, ServiceUpdateMessageCollectionResponse>.CreatePageIterator(
            five.Graph, first,
            message =>
            {
                seen.Add(message.Id!);
                return true;
            },
            request =>
            {
                // The next link carries the query; the page size is a header, asked for again on every page.
                nextPages++;
                request.Headers.Add("Prefer", "odata.maxpagesize=2");
                return request;
            });
        await iterator.IterateAsync(Ct);

        Assert.Equal(PagingState.Complete, iterator.State);
        Assert.Equal(2, nextPages);
        Assert.Equal("ABCDE", string.Concat(seen.Select(id => five.Keys[id])));
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task PagingWithTopStopsAtTop()
    {
        var five = await FiveAsync();
        var first = await five.Graph.Admin.ServiceAnnouncement.Messages.GetAsync(c =>
        {
            c.QueryParameters.Top = 3;
            c.QueryParameters.Filter = "services/any(s:s eq 'Windows') or severity eq 'normal'";
            c.Headers.Add("Prefer", "odata.maxpagesize=2");
        }, Ct);
        var seen = new List<string>();
        var iterator = PageIterator<ServiceUpdateMessage, ServiceUpdateMessageCollectionResponse>.CreatePageIterator(
            five.Graph, first!, m => { seen.Add(m.Id!); return true; }, r => { r.Headers.Add("Prefer", "odata.maxpagesize=2"); return r; });
        await iterator.IterateAsync(Ct);
        Assert.Equal("EDC", string.Concat(seen.Select(id => five.Keys[id])));
    }
}
