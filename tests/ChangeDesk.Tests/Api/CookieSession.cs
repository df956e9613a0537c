using System.Text.RegularExpressions;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChangeDesk.Tests.Api;

/// <summary>A browser-like client: signed in through the login form, holding the sign-in cookie and no bearer token.</summary>
static partial class CookieSession
{
    public static async Task<HttpClient> SignInWithCookieAsync(this WebApplicationFactory<Program> app, TestUser user, params (string Name, string Value)[] headers)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = await FormTokenAsync(client, "/login");
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Email"] = user.Email,
                ["Password"] = user.Password,
                ["__RequestVerificationToken"] = token,
            }),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        await Expect.StatusAsync(response, 302);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("changedesk=", StringComparison.Ordinal));
        return client;
    }

    /// <summary>The antiforgery token of the first form on the page (the page also sets its cookie on the client).</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
        await Expect.StatusAsync(response, 200);
        var match = TokenField().Match(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(match.Success, $"{url} should have a form with an antiforgery token");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
