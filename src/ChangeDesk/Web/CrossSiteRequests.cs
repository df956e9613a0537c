using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Http.Extensions;

namespace ChangeDesk.Web;

/// <summary>
/// Keeps the sign-in cookie from being used by another site. A browser sends the cookie with any request to this
/// host, whoever started it, so a state-changing request authenticated by the cookie is accepted only when it
/// comes from the service's own pages: the API and Graph never take writes by cookie (their callers send a bearer
/// token, which a browser never adds on its own), and a page's form post is refused when the browser says it came
/// from another site (<c>Sec-Fetch-Site</c>) or from another origin (<c>Origin</c>). Runs after authentication.
/// </summary>
public static class CrossSiteRequests
{
    public static IApplicationBuilder UseCrossSiteRequestChecks(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method)
            || http.User.Identity is not { IsAuthenticated: true, AuthenticationType: AuthSchemes.Cookie })
        {
            await next(http);
            return;
        }
        if (IsApi(http.Request.Path))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await RefuseAsync(http, new ProblemException(StatusCodes.Status401Unauthorized, "bearer-token-required", "API writes need a bearer token.",
                $"{http.Request.Method} {http.Request.Path} changes data, and the API does not accept the sign-in cookie for that: "
                + "send `Authorization: Bearer <token>` with an API token. The sign-in cookie is for the pages and for reading (GET) exports."));
            return;
        }
        if (CrossSiteReason(http.Request) is { } reason)
        {
            await RefuseAsync(http, new ProblemException(StatusCodes.Status403Forbidden, "cross-site-request", "Requests from other sites are refused.",
                $"This {http.Request.Method} was sent by {reason}, with your sign-in cookie: only ChangeDesk's own pages may change data with it. "
                + "Open the page in ChangeDesk and submit it there."));
            return;
        }
        await next(http);
    });

    static bool IsApi(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/graph");

    /// <summary>Why the request looks sent from elsewhere, or null when it comes from this origin (or from a client that names no origin).</summary>
    public static string? CrossSiteReason(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Equals("cross-site", StringComparison.OrdinalIgnoreCase) || fetchSite.Equals("same-site", StringComparison.OrdinalIgnoreCase))
        {
            return $"a page of another {(fetchSite.Equals("same-site", StringComparison.OrdinalIgnoreCase) ? "origin on the same site" : "site")} (Sec-Fetch-Site: {fetchSite})";
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameOrigin(origin, request))
        {
            return $"a page of another origin (Origin: {origin})";
        }
        return null;
    }

    /// <summary>Scheme, host and port of <paramref name="origin"/> equal the request's own (as forwarded by a trusted proxy).</summary>
    static bool SameOrigin(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var o) || !Uri.TryCreate(UriHelper.BuildAbsolute(request.Scheme, request.Host), UriKind.Absolute, out var own))
        {
            return false; // "null" (a sandboxed or privacy-sensitive context) or garbage: not this origin.
        }
        return o.Scheme.Equals(own.Scheme, StringComparison.OrdinalIgnoreCase)
            && o.Host.Equals(own.Host, StringComparison.OrdinalIgnoreCase)
            && o.Port == own.Port;
    }

    static async Task RefuseAsync(HttpContext http, ProblemException problem)
    {
        http.Response.StatusCode = problem.Status;
        if (http.Request.Path.StartsWithSegments(MessageCenter.GraphApi.Root))
        {
            await MessageCenter.GraphApi.WriteErrorAsync(http, problem.Status, MessageCenter.GraphApi.CodeFor(problem.Status), problem.Message);
        }
        else if (http.Request.Path.StartsWithSegments("/api"))
        {
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = ProblemExceptionHandler.ToDetails(http, problem),
            });
        }
        else
        {
            await StatusPages.WriteHtmlAsync(http, problem.Status, problem.Message);
        }
    }
}
