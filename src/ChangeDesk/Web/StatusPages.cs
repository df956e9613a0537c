using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace ChangeDesk.Web;

/// <summary>Bodies for errors raised outside handlers (401, 403, 404, 405): problem details on the API, text on pages.</summary>
public static class StatusPages
{
    public static async Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        if (http.Request.Path.StartsWithSegments(MessageCenter.GraphApi.Root))
        {
            var graphMessage = status switch
            {
                401 => "Access token is empty or invalid: send Authorization: Bearer <ChangeDesk API token>.",
                403 => "Your role does not allow this operation.",
                404 => $"Resource not found for the segment '{http.Request.Path}'.",
                _ => ReasonPhrases.GetReasonPhrase(status),
            };
            await MessageCenter.GraphApi.WriteErrorAsync(http, status, MessageCenter.GraphApi.CodeFor(status), graphMessage);
            return;
        }
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            var (rule, title, detail) = status switch
            {
                // Outside Development, minimal APIs answer an unreadable body or parameter with a bare 400 instead of
                // throwing BadHttpRequestException, so it gets the same rule the exception handler gives it there.
                400 => ("bad-request", "The request could not be read.",
                    $"The body or a parameter of {http.Request.Method} {http.Request.Path} could not be read: send JSON of the documented shape and values of the documented types."),
                401 => ("unauthenticated", "Authentication required.", "Send `Authorization: Bearer <token>` with a valid, unrevoked API token."),
                403 => ("forbidden", "You are not allowed to do this.", "Your role does not allow this operation."),
                404 => ("not-found", "Not found.", $"There is no resource at {http.Request.Path}."),
                405 => ("method-not-allowed", "Method not allowed.", $"{http.Request.Method} is not supported on {http.Request.Path}."),
                // An endpoint that takes one content type (a CSV import) refuses any other before it runs.
                415 => ("unsupported-media-type", "The request's content type is not supported.",
                    $"{http.Request.Method} {http.Request.Path} does not take {http.Request.ContentType ?? "a body without a Content-Type"}: see the API reference for the type it takes."),
                _ => ("error", ReasonPhrases.GetReasonPhrase(status), ReasonPhrases.GetReasonPhrase(status)),
            };
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = status,
                    Type = ProblemException.TypeOf(rule),
                    Title = title,
                    Detail = detail,
                    Instance = http.Request.Path,
                    Extensions = { ["rule"] = rule },
                },
            });
            return;
        }
        await WriteHtmlAsync(http, status, status == 404 ? "This page does not exist." : ReasonPhrases.GetReasonPhrase(status));
    }

    public static async Task WriteHtmlAsync(HttpContext http, int status, string message)
    {
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(
            $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} · ChangeDesk</title><link rel=\"stylesheet\" href=\"/site.css\"></head>"
            + $"<body><main class=\"narrow\"><h1>{status}</h1><p>{System.Net.WebUtility.HtmlEncode(message)}</p><p><a href=\"/\">Back to ChangeDesk</a></p></main></body></html>");
    }
}
