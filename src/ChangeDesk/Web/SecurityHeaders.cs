namespace ChangeDesk.Web;

/// <summary>
/// Headers that make every response (pages, API, static files, errors) harder to misuse: a strict Content Security
/// Policy (only this origin's scripts, styles and images; no framing), no MIME sniffing, only the origin as referrer to other sites. Set when the
/// response starts, so an error page written after the exception handler cleared the headers carries them too.
/// </summary>
public static class SecurityHeaders
{
    public const string Strict =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    /// <summary>
    /// The outbox shows emails as sent, in a sandboxed srcdoc frame that inherits the page's policy: email HTML carries its
    /// styles inline (mail clients need them there), so this page allows inline styles. Scripts stay refused (and the
    /// sandbox runs none).
    /// </summary>
    public const string Outbox =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    /// <summary>The API reference page is Scalar's: its bundle is served under /api-reference, and it starts itself with an inline script and sets inline styles.</summary>
    public const string ApiReference =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = PolicyFor(http.Request.Path);
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            // Not no-referrer: with it Chromium sends `Origin: null` on the pages' own form posts, which the cross-site check refuses.
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return Task.CompletedTask;
        });
        return next(http);
    });

    public static string PolicyFor(PathString path) =>
        path.StartsWithSegments("/api-reference") ? ApiReference
        : path.StartsWithSegments("/admin/outbox") ? Outbox
        : Strict;
}
