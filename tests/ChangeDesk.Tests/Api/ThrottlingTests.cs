using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// The service with tight limits: 3 requests an hour per token on /api and on /graph, 3 an hour per address
/// without a valid token, and sign-in locked after 3 failures for a minute, doubling up to 4 minutes.
/// </summary>
public sealed class ThrottledFactory : ChangeDeskFactory
{
    public const string AddressHeader = "X-Test-Client-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in new[]
                 {
                     ("Api:PermitLimit", "3"), ("Api:WindowSeconds", "3600"), ("Graph:PermitLimit", "3"), ("Graph:WindowSeconds", "3600"),
                     ("Anonymous:PermitLimit", "3"), ("Anonymous:WindowSeconds", "3600"), ("SignIn:AccountFailures", "3"),
                     ("SignIn:AddressFailures", "1000"), ("SignIn:LockoutSeconds", "60"), ("SignIn:MaxLockoutSeconds", "240"),
                 })
        {
            builder.UseSetting("RateLimits:" + key, value);
        }
        // Stands in for the forwarded-headers middleware: each test comes from an address of its own.
        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new ClientAddressFromHeader()));
    }

    public HttpClient ClientFrom(IPAddress address, string? token = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(AddressHeader, address.ToString());
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public static IPAddress NewAddress() => new([10, (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(1, 255)]);

    sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, inner) =>
            {
                if (IPAddress.TryParse(http.Request.Headers[AddressHeader].ToString(), out var address))
                {
                    http.Connection.RemoteIpAddress = address;
                }
                return inner(http);
            });
            next(app);
        };
    }
}

public sealed class ThrottlingTests(ThrottledFactory app) : IClassFixture<ThrottledFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    const string GraphList = "/graph/v1.0/admin/serviceAnnouncement/messages";

    [Fact]
    public async Task TheApiAnswers429WithRetryAfterAndAProblemNamingTheLimitOnceATokenHasSpentIt()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        using var client = app.ClientFrom(ThrottledFactory.NewAddress(), admin.Token);

        for (var remaining = 2; remaining >= 0; remaining--)
        {
            var allowed = await client.GetAsync("/api/me", Ct);
            await Expect.StatusAsync(allowed, 200);
            Assert.Equal("3", Header(allowed, "RateLimit-Limit"));
            Assert.Equal(remaining.ToString(CultureInfo.InvariantCulture), Header(allowed, "RateLimit-Remaining"));
        }
        var refused = await client.GetAsync("/api/me", Ct);

        var problem = await Expect.ProblemAsync(refused, 429, "rate-limit");
        Assert.Equal("https://changedesk.dev/problems/rate-limit", problem.GetProperty("type").GetString());
        Assert.Equal("Too many requests.", problem.GetProperty("title").GetString());
        Assert.Contains("3 requests to /api per hour", problem.GetProperty("detail").GetString());
        Assert.Equal("api", problem.GetProperty("limit").GetString());
        Assert.Equal(3, problem.GetProperty("permitLimit").GetInt32());
        Assert.Equal(3600, problem.GetProperty("windowSeconds").GetInt32());
        var retryAfter = RetryAfterSeconds(refused);
        Assert.InRange(retryAfter, 1, 3600);
        Assert.Equal(retryAfter, problem.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal("0", Header(refused, "RateLimit-Remaining"));
        Assert.Equal(retryAfter.ToString(CultureInfo.InvariantCulture), Header(refused, "RateLimit-Reset"));
    }

    [Fact]
    public async Task GraphAnswers429TooManyRequestsInGraphsErrorShape()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        using var client = app.ClientFrom(ThrottledFactory.NewAddress(), reader.Token);

        for (var i = 0; i < 3; i++)
        {
            await Expect.StatusAsync(await client.GetAsync(GraphList, Ct), 200);
        }
        var refused = await client.GetAsync(GraphList, Ct);

        await Expect.StatusAsync(refused, 429);
        Assert.InRange(RetryAfterSeconds(refused), 1, 3600);
        Assert.Equal("application/json", refused.Content.Headers.ContentType?.MediaType);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error");
        Assert.Equal("TooManyRequests", error.GetProperty("code").GetString());
        Assert.Contains("3 requests to /graph per hour", error.GetProperty("message").GetString());
        Assert.True(error.GetProperty("innerError").TryGetProperty("request-id", out _));
    }

    [Fact]
    public async Task OneTokensSpentLimitDoesNotAffectAnotherTenantsTokenFromTheSameAddress()
    {
        var address = ThrottledFactory.NewAddress();
        var (_, first) = await app.CreateTenantWithAdminAsync();
        var (_, second) = await app.CreateTenantWithAdminAsync();
        using var firstClient = app.ClientFrom(address, first.Token);
        using var secondClient = app.ClientFrom(address, second.Token);
        for (var i = 0; i < 3; i++)
        {
            await Expect.StatusAsync(await firstClient.GetAsync(GraphList, Ct), 200);
        }
        await Expect.StatusAsync(await firstClient.GetAsync(GraphList, Ct), 429);

        await Expect.StatusAsync(await secondClient.GetAsync(GraphList, Ct), 200);
        // The API keeps its own count: the first token's Graph calls did not spend it.
        await Expect.StatusAsync(await firstClient.GetAsync("/api/me", Ct), 200);
    }

    [Fact]
    public async Task BadTokensAreLimitedPerClientAddressWithoutTouchingOtherAddressesOrValidTokens()
    {
        var address = ThrottledFactory.NewAddress();
        using var guesser = app.ClientFrom(address);
        for (var i = 0; i < 3; i++)
        {
            guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", $"cdk_guess-{Guid.NewGuid():n}");
            await Expect.StatusAsync(await guesser.GetAsync(i % 2 == 0 ? "/api/changes" : GraphList, Ct), 401);
        }

        guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", $"cdk_guess-{Guid.NewGuid():n}");
        var refused = await guesser.GetAsync("/api/changes", Ct);
        var problem = await Expect.ProblemAsync(refused, 429, "rate-limit");
        Assert.Equal("anonymous", problem.GetProperty("limit").GetString());
        Assert.InRange(RetryAfterSeconds(refused), 1, 3600);
        guesser.DefaultRequestHeaders.Authorization = null;
        await Expect.StatusAsync(await guesser.GetAsync(GraphList, Ct), 429);

        using var elsewhere = app.ClientFrom(ThrottledFactory.NewAddress(), "cdk_not-a-real-token");
        await Expect.ProblemAsync(await elsewhere.GetAsync("/api/changes", Ct), 401, "unauthenticated");
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        using var valid = app.ClientFrom(address, admin.Token);
        await Expect.StatusAsync(await valid.GetAsync("/api/me", Ct), 200);
    }

    [Fact]
    public async Task SignInLocksAfterRepeatedFailuresRefusesEvenTheRightPasswordAndOpensWhenTheLockEnds()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var address = ThrottledFactory.NewAddress();
        using var browser = app.ClientFrom(address);
        var form = await SignInForm.OpenAsync(browser);
        for (var i = 0; i < 3; i++)
        {
            var wrong = await form.PostAsync(admin.Email, "not-the-password");
            await Expect.StatusAsync(wrong, 200);
            Assert.Contains("The email or password is not right", await wrong.Content.ReadAsStringAsync(Ct));
        }

        var locked = await form.PostAsync(admin.Email, admin.Password);
        await Expect.StatusAsync(locked, 429);
        Assert.Equal(60, RetryAfterSeconds(locked));
        Assert.Contains("Sign-in is locked", await locked.Content.ReadAsStringAsync(Ct));
        var wrongWhileLocked = await form.PostAsync(admin.Email, "not-the-password");
        await Expect.StatusAsync(wrongWhileLocked, 429);
        Assert.Equal(await Body(locked), await Body(wrongWhileLocked));

        app.Clock.Advance(TimeSpan.FromSeconds(59));
        await Expect.StatusAsync(await form.PostAsync(admin.Email, admin.Password), 429);
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var signedIn = await form.PostAsync(admin.Email, admin.Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/changes", signedIn.Headers.Location?.OriginalString);

        // The success cleared the record: one more failure (in another browser) is a failure, not a lock.
        using var another = app.ClientFrom(address);
        await Expect.StatusAsync(await (await SignInForm.OpenAsync(another)).PostAsync(admin.Email, "not-the-password"), 200);
    }

    [Fact]
    public async Task EachLockAfterTheFirstLastsTwiceAsLongUpToTheCap()
    {
        var email = $"nobody-{Guid.NewGuid():n}@example.test";
        using var browser = app.ClientFrom(ThrottledFactory.NewAddress());
        var form = await SignInForm.OpenAsync(browser);
        for (var i = 0; i < 3; i++)
        {
            await Expect.StatusAsync(await form.PostAsync(email, "guess"), 200);
        }
        var locks = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var locked = await form.PostAsync(email, "guess");
            await Expect.StatusAsync(locked, 429);
            locks.Add(RetryAfterSeconds(locked));
            app.Clock.Advance(TimeSpan.FromSeconds(locks[^1]));
            // After a lock, one more failure locks again.
            await Expect.StatusAsync(await form.PostAsync(email, "guess"), 200);
        }

        // An unknown email locks as a known one does, so a lock does not tell whether the account exists.
        Assert.Equal([60, 120, 240, 240], locks);
    }

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    static int RetryAfterSeconds(HttpResponseMessage response) =>
        int.Parse(Header(response, "Retry-After") ?? throw new Xunit.Sdk.XunitException("No Retry-After header."), CultureInfo.InvariantCulture);

    static async Task<string> Body(HttpResponseMessage response) =>
        Regex.Replace(await response.Content.ReadAsStringAsync(Ct), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]*\"", "");
}

/// <summary>The sign-in page as a browser uses it: the form's antiforgery token, then posts of the form.</summary>
public sealed class SignInForm(HttpClient client, string antiforgery)
{
    public static async Task<SignInForm> OpenAsync(HttpClient client) =>
        new(client, await CookieSession.FormTokenAsync(client, "/login"));

    public Task<HttpResponseMessage> PostAsync(string email, string password) =>
        client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = antiforgery,
        }), TestContext.Current.CancellationToken);
}
