using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChangeDesk.Data;
using ChangeDesk.Notifications.Preferences;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using ChangeDesk.Tests.SupportRequests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// Request bodies are bounded before anything reads them (415 for an unknown charset, 413 over the size limit) and
/// every stored input field has a length or count limit (400 naming the field, nothing stored), shown in OpenAPI.
/// </summary>
public sealed class InputBoundsTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string[] ErrorFields(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    static HttpRequestMessage Json(HttpMethod method, string url, string json, string contentType = "application/json; charset=bogus")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return new HttpRequestMessage(method, url) { Content = content };
    }

    [Theory]
    [InlineData("POST", "/api/changes")]
    [InlineData("PUT", "/api/changes/1")]
    [InlineData("PUT", "/api/notifications/preferences")]
    [InlineData("POST", "/api/notifications/addresses")]
    [InlineData("POST", "/api/webhooks")]
    [InlineData("POST", "/api/support-requests")]
    public async Task AnUnknownCharsetIsRefusedWith415(string method, string url)
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var response = await rm.Client.SendAsync(Json(new HttpMethod(method), url, """{"title":"A change"}"""), Ct);

        var problem = await Expect.ProblemAsync(response, 415, "unsupported-media-type");
        Assert.Contains("bogus", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AContentTypeThatCannotBeParsedIsRefusedWith415()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var response = await rm.Client.SendAsync(Json(HttpMethod.Post, "/api/changes", "{}", "application/json; charset=\"utf-8"), Ct);

        await Expect.ProblemAsync(response, 415, "unsupported-media-type");
    }

    [Fact]
    public async Task AnExplicitUtf8CharsetIsAccepted()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var response = await rm.Client.SendAsync(Json(HttpMethod.Post, "/api/changes", "{}", "application/json; charset=utf-8"), Ct);

        await Expect.ProblemAsync(response, 400, "validation");
    }

    [Fact]
    public async Task EveryOperationWithAJsonBodyRefusesAnUnknownCharsetBeforeAuthentication()
    {
        using var anonymous = app.CreateClient();
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var checkedOperations = new List<string>();
        var failures = new List<string>();

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (!operation.Value.TryGetProperty("requestBody", out var body)
                    || !body.GetProperty("content").EnumerateObject().Any(c => c.Name.Contains("json", StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }
                var url = Fill(path.Name, operation.Value);
                var response = await anonymous.SendAsync(Json(new HttpMethod(operation.Name.ToUpperInvariant()), url, "{}"), Ct);
                checkedOperations.Add($"{operation.Name.ToUpperInvariant()} {url}");
                // The Graph-compatible API answers in Graph's error shape, the rest in problem details.
                var expectedType = path.Name.StartsWith("/graph/", StringComparison.Ordinal) ? "application/json" : "application/problem+json";
                if (response.StatusCode != HttpStatusCode.UnsupportedMediaType || response.Content.Headers.ContentType?.MediaType != expectedType)
                {
                    failures.Add($"{operation.Name.ToUpperInvariant()} {url}: {(int)response.StatusCode} {response.Content.Headers.ContentType}");
                }
            }
        }

        Assert.True(checkedOperations.Count > 20, $"Only {checkedOperations.Count} operations with a JSON body were found.");
        Assert.Empty(failures);
    }

    /// <summary>A path template with each parameter replaced by a value of its type.</summary>
    static string Fill(string template, JsonElement operation)
    {
        var types = new Dictionary<string, string>();
        if (operation.TryGetProperty("parameters", out var parameters))
        {
            foreach (var p in parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path"))
            {
                var type = p.TryGetProperty("schema", out var s) && s.TryGetProperty("type", out var t) ? t.ToString() : "string";
                types[p.GetProperty("name").GetString()!] = type;
            }
        }
        return System.Text.RegularExpressions.Regex.Replace(template, @"\{([^}:]+)[^}]*\}",
            m => types.GetValueOrDefault(m.Groups[1].Value, "string").Contains("integer") ? "1" : Guid.NewGuid().ToString());
    }

    [Fact]
    public async Task ABodyOverOneMegabyteIsRefusedWith413()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var title = $"Too large {Guid.NewGuid():n}";
        var json = JsonSerializer.Serialize(new { title, description = new string('x', 1024 * 1024) });

        var response = await rm.Client.SendAsync(Json(HttpMethod.Post, "/api/changes", json, "application/json"), Ct);

        var problem = await Expect.ProblemAsync(response, 413, "payload-too-large");
        Assert.Contains("1,048,576", problem.GetProperty("detail").GetString());
        Assert.Equal(0, await ChangesTitledAsync(title));
    }

    [Fact]
    public async Task AChunkedBodyOverOneMegabyteIsRefusedWith413()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var title = $"Too large chunked {Guid.NewGuid():n}";
        var json = JsonSerializer.Serialize(new { title, description = new string('x', 1024 * 1024) });
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/changes") { Content = new UnknownLengthContent(Encoding.UTF8.GetBytes(json)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await rm.Client.SendAsync(request, Ct);

        Assert.Null(request.Content.Headers.ContentLength);
        await Expect.ProblemAsync(response, 413, "payload-too-large");
        Assert.Equal(0, await ChangesTitledAsync(title));
    }

    [Fact]
    public async Task ABodyJustUnderTheLimitIsRead()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var json = JsonSerializer.Serialize(new { title = new string('t', 201), description = new string('x', 1000 * 1000) });

        var response = await rm.Client.SendAsync(Json(HttpMethod.Post, "/api/changes", json, "application/json"), Ct);

        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.Contains("title", ErrorFields(problem));
    }

    [Fact]
    public async Task AnAttachmentUploadHasItsOwnLargerLimit()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var filed = await admin.FileAsync();

        var twoMegabytes = await UploadAsync(admin, filed.Number, new string('x', 2 * 1024 * 1024));
        var overAttachmentLimitAndSlack = await UploadAsync(admin, filed.Number, new string('x', 6 * 1024 * 1024 + 1));

        await Expect.StatusAsync(twoMegabytes, 201);
        await Expect.ProblemAsync(overAttachmentLimitAndSlack, 413, "payload-too-large");
        var stored = await admin.GetJsonAsync<JsonElement>($"/api/support-requests/{filed.Number}");
        Assert.Single(stored.GetProperty("attachments").EnumerateArray());
    }

    static Task<HttpResponseMessage> UploadAsync(TestUser user, string number, string text)
    {
        var file = new ByteArrayContent(Encoding.ASCII.GetBytes(text));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var form = new MultipartFormDataContent { { file, "file", "big.log" } };
        return user.Client.PostAsync($"/api/support-requests/{number}/attachments", form, Ct);
    }

    [Fact]
    public async Task AChangeTitleOverItsLimitIsRefusedAndNothingIsStored()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.CreateTenantAsync();
        var title = $"Long {Guid.NewGuid():n} " + new string('t', 200);

        var response = await rm.PostJsonAsync("/api/changes", ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id) with { Title = title });

        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.Equal(["title"], ErrorFields(problem));
        Assert.Contains("200", problem.GetProperty("errors").GetProperty("title")[0].GetString());
        Assert.Equal(0, await ChangesTitledAsync(title));
    }

    [Fact]
    public async Task APreferenceServiceOverItsLengthIsRefusedAndNothingIsStored()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.PutJsonAsync("/api/notifications/preferences", Preference(services: ["Teams", new string('s', 101)]));

        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.Equal(["services"], ErrorFields(problem));
        Assert.Contains("entry 1", problem.GetProperty("errors").GetProperty("services")[0].GetString());
        Assert.Equal(0, await PreferencesOfAsync(admin));
    }

    [Fact]
    public async Task TooManyPreferenceCategoriesAreRefusedAndNothingIsStored()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.PutJsonAsync("/api/notifications/preferences",
            Preference(categories: Enumerable.Range(0, 101).Select(i => $"category{i}").ToArray()));

        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.Equal(["categories"], ErrorFields(problem));
        Assert.Equal("categories may have at most 100 entries (it has 101).", problem.GetProperty("errors").GetProperty("categories")[0].GetString());
        Assert.Equal(0, await PreferencesOfAsync(admin));
    }

    [Fact]
    public async Task AnExtraAddressWithTooLongAListIsRefusedAndNothingIsStored()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.PostJsonAsync("/api/notifications/addresses",
            Preference(services: Enumerable.Range(0, 101).Select(i => $"service{i}").ToArray(), email: "shared@example.test"));

        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.Equal(["services"], ErrorFields(problem));
        Assert.Empty(await admin.GetJsonAsync<JsonElement[]>("/api/notifications/addresses"));
    }

    [Fact]
    public async Task AnExtraAddressOverItsLengthIsRefused()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var response = await admin.PostJsonAsync("/api/notifications/addresses", Preference(email: new string('a', 320) + "@example.test"));

        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.Equal(["email"], ErrorFields(problem));
        Assert.Empty(await admin.GetJsonAsync<JsonElement[]>("/api/notifications/addresses"));
    }

    [Fact]
    public async Task TenConcurrentFirstPreferenceSavesAllSucceedAndLeaveOnePreference()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            admin.PutJsonAsync("/api/notifications/preferences", Preference(services: [$"Service {i}"]))));

        foreach (var response in responses)
        {
            await Expect.StatusAsync(response, 200);
        }
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()));
        var stored = await admin.GetJsonAsync<JsonElement>("/api/notifications/preferences");
        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], stored.GetProperty("id").GetString());
        Assert.Single(stored.GetProperty("services").EnumerateArray());
        Assert.Equal(1, await PreferencesOfAsync(admin));
    }

    [Fact]
    public async Task APageFormIsBoundedAsTheApiIsAndStoresNothingOverTheLimit()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        using var browser = await app.SignInWithCookieAsync(admin);
        var token = await CookieSession.FormTokenAsync(browser, "/account/notifications");

        var response = await browser.PostAsync("/account/notifications?handler=Mine", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["mode"] = "immediate",
            ["services"] = string.Join(",", Enumerable.Range(0, 101).Select(i => $"service{i}")),
            ["__RequestVerificationToken"] = token,
        }), Ct);

        await Expect.StatusAsync(response, 200);
        Assert.Contains("may have at most 100 entries (it has 101)", await response.Content.ReadAsStringAsync(Ct));
        Assert.Empty((await admin.GetJsonAsync<JsonElement>("/api/notifications/preferences")).GetProperty("services").EnumerateArray());
    }

    [Fact]
    public async Task TheOpenApiDocumentShowsTheEnforcedLimits()
    {
        using var anonymous = app.CreateClient();
        var schemas = (await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct)).GetProperty("components").GetProperty("schemas");

        var change = schemas.GetProperty("ChangeInput").GetProperty("properties");
        Assert.Equal(200, change.GetProperty("title").GetProperty("maxLength").GetInt32());
        Assert.Equal(100, change.GetProperty("services").GetProperty("maxItems").GetInt32());
        Assert.Equal(100, change.GetProperty("services").GetProperty("items").GetProperty("maxLength").GetInt32());
        var preference = schemas.GetProperty("PreferenceInput").GetProperty("properties");
        Assert.Equal(100, preference.GetProperty("services").GetProperty("maxItems").GetInt32());
        Assert.Equal(100, preference.GetProperty("services").GetProperty("items").GetProperty("maxLength").GetInt32());
        Assert.Equal(320, preference.GetProperty("email").GetProperty("maxLength").GetInt32());
    }

    static object Preference(string[]? services = null, string[]? categories = null, string? email = null) => new
    {
        mode = (string?)null,
        categories = categories ?? [],
        severities = Array.Empty<string>(),
        services = services ?? [],
        majorChangesOnly = false,
        allUpdates = true,
        email,
    };

    Task<int> PreferencesOfAsync(TestUser user) =>
        app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().NotificationPreferences.IgnoreQueryFilters().CountAsync(p => p.UserId == user.Id));

    Task<int> ChangesTitledAsync(string title) =>
        app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Changes.IgnoreQueryFilters().CountAsync(c => c.Title == title));

    /// <summary>A body sent without a Content-Length, as a chunked upload is.</summary>
    sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
