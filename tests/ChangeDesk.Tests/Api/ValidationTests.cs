using System.Text.Json;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace ChangeDesk.Tests.Api;

/// <summary>Bad input is a 400 problem whose <c>errors</c> name the fields to fix.</summary>
public sealed class ValidationTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset InAMonth => app.Clock.GetUtcNow().AddDays(30);

    static string[] ErrorFields(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task AnEmptyProviderChangeNamesEveryMissingField()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync("/api/changes", new { }), 400, "validation");

        Assert.Equal(["plannedStart", "scope", "targetTenantIds", "title", "type"], ErrorFields(problem));
        Assert.Equal("https://changedesk.dev/problems/validation", problem.GetProperty("type").GetString());
        Assert.Equal("/api/changes", problem.GetProperty("instance").GetString());
        Assert.Contains("functionality, non-security, security", problem.GetProperty("errors").GetProperty("type")[0].GetString());
    }

    [Theory]
    [InlineData("title", "text")]
    [InlineData("plannedStart", "a date and time")]
    [InlineData("targetsAllTenants", "true or false")]
    [InlineData("targetTenantIds", "a list")]
    public async Task AValueOfTheWrongTypeIsReportedUnderItsFieldName(string field, string expected)
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        object body = field switch
        {
            "title" => new { title = 123 },
            "plannedStart" => new { title = "A change", plannedStart = "next Tuesday" },
            "targetsAllTenants" => new { title = "A change", targetsAllTenants = "yes" },
            _ => new { title = "A change", targetTenantIds = "all of them" },
        };

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync("/api/changes", body), 400, "validation");

        Assert.Equal([field], ErrorFields(problem));
        Assert.Contains(expected, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task AQueryValueOfTheWrongTypeIsReportedUnderItsName()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var problem = await Expect.ProblemAsync(await rm.Client.GetAsync("/api/changes?top=abc", TestContext.Current.CancellationToken), 400, "validation");

        Assert.Equal(["top"], ErrorFields(problem));
        Assert.Equal("'abc' is not a whole number.", problem.GetProperty("errors").GetProperty("top")[0].GetString());
    }

    [Fact]
    public async Task ATenantsOwnChangeNeedsNoTargets()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var problem = await Expect.ProblemAsync(await admin.PostJsonAsync("/api/changes", new { title = "Only a title" }), 400, "validation");

        Assert.Equal(["plannedStart", "scope", "type"], ErrorFields(problem));
    }

    [Theory]
    [InlineData("title")]
    [InlineData("blankTitle")]
    [InlineData("type")]
    [InlineData("subtype")]
    [InlineData("scope")]
    [InlineData("severity")]
    [InlineData("consent")]
    [InlineData("consentWithoutDate")]
    [InlineData("actionRequiredBy")]
    [InlineData("plannedEnd")]
    [InlineData("adminAction")]
    [InlineData("targetTenantIds")]
    [InlineData("services")]
    public async Task OneBadFieldIsReportedUnderItsOwnName(string mistake)
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var good = ApiSteps.ProviderFeature(InAMonth, tenant.Id);
        var (field, input) = mistake switch
        {
            "title" => ("title", good with { Title = new string('x', 201) }),
            "blankTitle" => ("title", good with { Title = "   " }),
            "type" => ("type", good with { Type = "hotfix" }),
            "subtype" => ("subtype", good with { Subtype = "client-hotfix" }),
            "scope" => ("scope", good with { Scope = "everywhere" }),
            "severity" => ("severity", good with { Severity = "extreme" }),
            "consent" => ("consent", good with { Consent = "maybe" }),
            "consentWithoutDate" => ("actionRequiredBy", good with { Consent = "approve" }),
            "actionRequiredBy" => ("actionRequiredBy", good with { Consent = "acknowledge", ActionRequiredBy = good.PlannedStart!.Value.AddDays(1) }),
            "plannedEnd" => ("plannedEnd", good with { PlannedEnd = good.PlannedStart!.Value.AddMinutes(-1) }),
            "adminAction" => ("adminAction", good with { AdminActionRequired = true, AdminAction = " " }),
            "targetTenantIds" => ("targetTenantIds", good with { TargetTenantIds = [tenant.Id, Guid.NewGuid()] }),
            "services" => ("services", good with { Services = ["Outlook", new string('s', 101)] }),
            _ => throw new ArgumentOutOfRangeException(nameof(mistake)),
        };

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync("/api/changes", input), 400, "validation");

        Assert.Equal([field], ErrorFields(problem));
        Assert.Contains($"{field}: ", problem.GetProperty("detail").GetString());
        Assert.Empty((await rm.GetJsonAsync<ChangePage>($"/api/changes?tenantId={tenant.Id}")).Items);
    }

    [Fact]
    public async Task AnEditIsValidatedLikeACreate()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(InAMonth, tenant.Id);
        var change = await rm.CreateChangeAsync(input);

        var problem = await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = "", Scope = "nowhere" }), 400, "validation");

        Assert.Equal(["scope", "title"], ErrorFields(problem));
        Assert.Equal(1, (await rm.GetChangeAsync(change.Id)).Version);
    }

    [Theory]
    [InlineData("{ \"title\": ")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task ABodyThatIsNotAChangeIsABadRequestProblem(string body)
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var response = await rm.SendAsync(HttpMethod.Post, "/api/changes", body);

        await Expect.ProblemAsync(response, 400, "bad-request");
    }

    [Fact]
    public async Task MalformedJsonInAnEditIsABadRequestProblemAndChangesNothing()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, tenant.Id));

        await Expect.ProblemAsync(await rm.SendAsync(HttpMethod.Put, $"/api/changes/{change.Id}", "{\"title\": \"x\""), 400, "bad-request");

        Assert.Equal(1, (await rm.GetChangeAsync(change.Id)).Version);
    }

    [Theory]
    [InlineData("state=finished", "state")]
    [InlineData("type=hotfix", "type")]
    [InlineData("scope=everywhere", "scope")]
    [InlineData("top=0", "top")]
    [InlineData("top=501", "top")]
    [InlineData("skip=-1", "skip")]
    public async Task ListingChangesWithABadFilterNamesTheParameter(string query, string field)
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var problem = await Expect.ProblemAsync(await rm.Client.GetAsync($"/api/changes?{query}", TestContext.Current.CancellationToken), 400, "validation");

        Assert.Equal([field], ErrorFields(problem));
    }

    [Fact]
    public async Task ListingFiltersAndPagesChanges()
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var marker = Guid.NewGuid().ToString("n");
        var start = InAMonth;
        var ids = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await rm.CreateChangeAsync(ApiSteps.ProviderFeature(start.AddDays(i), tenant.Id) with { Title = $"Batch {marker} {i}" })).Id);
        }
        await rm.ActAsync(ids[0], "announce");

        var page = await rm.GetJsonAsync<ChangePage>($"/api/changes?q={marker}&top=2");
        var next = await rm.GetJsonAsync<ChangePage>($"/api/changes?q={marker}&top=2&skip=2");
        var announced = await rm.GetJsonAsync<ChangePage>($"/api/changes?q={marker}&state=announced");

        Assert.Equal((3, 2), (page.Total, page.Top));
        Assert.Equal([ids[2], ids[1]], page.Items.Select(c => c.Id));
        Assert.Equal([ids[0]], next.Items.Select(c => c.Id));
        Assert.Equal([ids[0]], announced.Items.Select(c => c.Id));
        Assert.Equal($"CHG-{ids[0]}", announced.Items[0].Number);
    }

    [Fact]
    public async Task ProblemsAreServedAsProblemJsonWithATraceId()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var response = await rm.Client.GetAsync("/api/changes/999999", TestContext.Current.CancellationToken);

        var problem = await Expect.ProblemAsync(response, 404, "not-found");
        Assert.Equal("https://changedesk.dev/problems/not-found", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
        Assert.Contains("999999", problem.GetProperty("detail").GetString());
    }
}

/// <summary>The service as deployed: outside Development, ASP.NET Core answers unreadable bodies itself instead of throwing.</summary>
public sealed class ProductionChangeDeskFactory : ChangeDeskFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }
}

public sealed class ProductionValidationTests(ProductionChangeDeskFactory app) : IClassFixture<ProductionChangeDeskFactory>
{
    [Theory]
    [InlineData("{ \"title\": ")]
    [InlineData("{ \"title\": 42 }")]
    [InlineData("")]
    public async Task ABodyThatIsNotAChangeIsABadRequestProblemInProductionToo(string body)
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var response = await rm.SendAsync(HttpMethod.Post, "/api/changes", body);

        var problem = await Expect.ProblemAsync(response, 400, "bad-request");
        Assert.NotEqual("Bad Request", problem.GetProperty("detail").GetString());
    }
}
