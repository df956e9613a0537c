using System.Net;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Api;

/// <summary>Every answer (page, API, static file, error) carries the security headers.</summary>
public sealed class SecurityHeaderTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        string One(string name) => Assert.Single(response.Headers.GetValues(name));
        var csp = One("Content-Security-Policy");
        foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'" })
        {
            Assert.Contains(directive, csp);
        }
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("DENY", One("X-Frame-Options"));
        Assert.Equal("nosniff", One("X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", One("Referrer-Policy"));
    }

    [Fact]
    public async Task APageAnApiAnswerAStaticFileAndErrorsCarryTheSecurityHeaders()
    {
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);

        var page = await admin.Client.GetAsync("/changes", Ct);
        await Expect.StatusAsync(page, 200);
        AssertSecurityHeaders(page);

        var json = await admin.Client.GetAsync("/api/me", Ct);
        await Expect.StatusAsync(json, 200);
        AssertSecurityHeaders(json);

        AssertSecurityHeaders(await admin.Client.GetAsync("/site.css", Ct));

        // A 404 of the status pages, and a 404 the exception handler writes after clearing the response.
        var noRoute = await admin.Client.GetAsync("/api/no-such-thing", Ct);
        await Expect.ProblemAsync(noRoute, 404, "not-found");
        AssertSecurityHeaders(noRoute);
        var noChange = await admin.Client.GetAsync("/api/changes/987654", Ct);
        await Expect.ProblemAsync(noChange, 404, "not-found");
        AssertSecurityHeaders(noChange);

        using var anonymous = app.CreateClient();
        var unauthenticated = await anonymous.GetAsync("/api/changes", Ct);
        await Expect.ProblemAsync(unauthenticated, 401, "unauthenticated");
        AssertSecurityHeaders(unauthenticated);
    }

    [Fact]
    public async Task WithoutAConfiguredProxyAForwardedProtoIsIgnoredAndTheCookieIsNotSecure()
    {
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);
        var cookie = await SignInCookieAsync(app, admin, ("X-Forwarded-Proto", "https"));
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    internal static async Task<string> SignInCookieAsync(ChangeDeskFactory factory, TestUser user, params (string, string)[] headers)
    {
        using var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        // A client without a cookie jar: carry the antiforgery cookie from the form to the post by hand.
        var form = await client.GetAsync("/login", Ct);
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)).Split(';')[0];
        var html = await form.Content.ReadAsStringAsync(Ct);
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = user.Email, ["Password"] = user.Password, ["__RequestVerificationToken"] = token }),
        };
        request.Headers.Add("Cookie", antiforgery);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await client.SendAsync(request, Ct);
        await Expect.StatusAsync(response, 302);
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("changedesk=", StringComparison.Ordinal));
    }
}

/// <summary>
/// Behind a configured proxy: X-Forwarded-Proto from it makes the request https and the sign-in cookie Secure; the same
/// header from any other address is ignored. The test server has no socket, so a test-only startup filter gives each
/// request the peer address named in its X-Test-Peer header.
/// </summary>
public sealed class TrustedProxyTests(TrustedProxyTests.BehindProxy app) : IClassFixture<TrustedProxyTests.BehindProxy>
{
    public sealed class BehindProxy : ChangeDeskFactory
    {
        public const string Proxy = "10.20.30.40";

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ForwardedHeaders:KnownProxies:0", Proxy);
            builder.UseSetting("ForwardedHeaders:KnownNetworks:0", "192.168.50.0/24");
            builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, PeerFromHeader>());
        }
    }

    sealed class PeerFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                if (http.Request.Headers["X-Test-Peer"].ToString() is { Length: > 0 } peer)
                {
                    http.Connection.RemoteIpAddress = IPAddress.Parse(peer);
                }
                return nextMiddleware(http);
            });
            next(app);
        };
    }

    [Theory]
    [InlineData(BehindProxy.Proxy)]
    [InlineData("192.168.50.7")]
    public async Task HttpsForwardedByAConfiguredProxyMakesTheSignInCookieSecure(string proxy)
    {
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);
        var cookie = await SecurityHeaderTests.SignInCookieAsync(app, admin, ("X-Test-Peer", proxy), ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "198.51.100.23"));
        Assert.Contains("secure", cookie.Split(';').Select(p => p.Trim().ToLowerInvariant()));
    }

    [Theory]
    [InlineData("203.0.113.9")]
    [InlineData("127.0.0.1")]
    public async Task TheSameHeaderFromAnUnconfiguredAddressIsIgnored(string peer)
    {
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);
        var cookie = await SecurityHeaderTests.SignInCookieAsync(app, admin, ("X-Test-Peer", peer), ("X-Forwarded-Proto", "https"));
        Assert.DoesNotContain("secure", cookie.Split(';').Select(p => p.Trim().ToLowerInvariant()));
    }

    [Fact]
    public async Task PlainHttpFromTheProxyLeavesTheCookieNotSecure()
    {
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);
        var cookie = await SecurityHeaderTests.SignInCookieAsync(app, admin, ("X-Test-Peer", BehindProxy.Proxy));
        Assert.DoesNotContain("secure", cookie.Split(';').Select(p => p.Trim().ToLowerInvariant()));
    }
}
