using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Web;

/// <summary>
/// A failure the user can act on. Thrown by the rules and turned into an RFC 9457 problem details response
/// by <see cref="ProblemExceptionHandler"/>, or shown next to the form field by a page.
/// </summary>
public class ProblemException(int status, string rule, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    /// <summary>A short stable name of the rule that refused, also the last segment of the problem type.</summary>
    public string Rule { get; } = rule;

    public string Title { get; } = title;
    public Dictionary<string, object?> Extensions { get; } = [];

    /// <summary>Field name → messages, for validation failures.</summary>
    public Dictionary<string, string[]> Errors { get; } = [];

    public static string TypeOf(string rule) => $"https://changedesk.dev/problems/{rule}";
}

public sealed class ValidationFailedException : ProblemException
{
    public ValidationFailedException(Dictionary<string, string[]> errors)
        : base(400, "validation", "The request is not valid.",
            string.Join(" ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))))
    {
        foreach (var (k, v) in errors)
        {
            Errors[k] = v;
        }
    }

    public static ValidationFailedException For(string field, string message) => new(new() { [field] = [message] });
}

public sealed class NotFoundException(string resource, object id)
    : ProblemException(404, "not-found", $"{resource} not found.", $"There is no {resource.ToLowerInvariant()} '{id}' that you can see.");

public sealed class ForbiddenException(string detail)
    : ProblemException(403, "forbidden", "You are not allowed to do this.", detail);

public sealed class ConflictException(string rule, string detail)
    : ProblemException(409, rule, "The request conflicts with the current state.", detail);

public sealed class PreconditionFailedException(string currentETag, string? detail = null)
    : ProblemException(412, "precondition-failed", "The resource has changed.",
        detail ?? $"If-Match does not match the current version {currentETag}: reload the resource and apply your change again.")
{
    public string CurrentETag { get; } = currentETag;
}

/// <summary>A business rule (notice period, mitigation first, responsibility) refused the request.</summary>
public sealed class RuleViolationException(string rule, string title, string detail)
    : ProblemException(422, rule, title, detail);

public sealed class ProblemExceptionHandler(IProblemDetailsService problems, TimeProvider clock) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (http.Request.Path.StartsWithSegments(MessageCenter.GraphApi.Root))
        {
            return await TryWriteGraphAsync(http, exception);
        }
        var problem = exception switch
        {
            ProblemException p => p,
            DbUpdateConcurrencyException => new ProblemException(412, "precondition-failed", "The resource has changed.",
                "Someone else changed this resource at the same time: reload it and apply your change again."),
            DbUpdateException e when IsUniqueViolation(e) => new ProblemException(409, "conflict", "The same change was made at the same moment.",
                "Another request (or another instance of the service) made the same change at the same moment, and theirs was saved: reload to see it."),
            _ when Data.WriteCollision.IsCollision(exception) => new ProblemException(503, "busy", "Too many writers at once.",
                "The change collided with others made at the same moment, each time it was tried: try again in a moment.")
            {
                Extensions = { ["retryAfter"] = clock.GetUtcNow().AddSeconds(1) },
            },
            BadHttpRequestException bad => BadRequests.Describe(bad) is ({ } field, { } message) && bad.StatusCode == 400
                ? ValidationFailedException.For(field, message)
                : bad.StatusCode switch
                {
                    413 => new ProblemException(413, "payload-too-large", "The request body is too large.", bad.Message),
                    415 => new ProblemException(415, "unsupported-media-type", "The request's content type is not supported.", bad.Message),
                    _ => new ProblemException(bad.StatusCode, "bad-request", "The request could not be read.", bad.Message),
                },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }
        http.Response.StatusCode = problem.Status;
        if (problem.Extensions.TryGetValue("retryAfter", out var retryAfter) && retryAfter is DateTimeOffset at)
        {
            // A refusal that names when to try again says so in the header clients read, in whole seconds.
            var seconds = Math.Max(1, (long)Math.Ceiling((at - clock.GetUtcNow()).TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (!http.Request.Path.StartsWithSegments("/api"))
        {
            // A page request: answer in HTML, with the rule's explanation.
            await StatusPages.WriteHtmlAsync(http, problem.Status, problem.Message);
            return true;
        }
        return await problems.TryWriteAsync(new() { HttpContext = http, ProblemDetails = ToDetails(http, problem), Exception = exception });
    }

    public static ProblemDetails ToDetails(HttpContext http, ProblemException problem)
    {
        var details = problem.Errors.Count > 0
            ? new HttpValidationProblemDetails(problem.Errors)
            : new ProblemDetails();
        details.Status = problem.Status;
        details.Type = ProblemException.TypeOf(problem.Rule);
        details.Title = problem.Title;
        details.Detail = problem.Message;
        details.Instance = http.Request.Path;
        details.Extensions["rule"] = problem.Rule;
        foreach (var (k, v) in problem.Extensions)
        {
            details.Extensions[k] = v;
        }
        details.Extensions["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier;
        return details;
    }

    /// <summary>
    /// A unique key refused the save: two writers did the same thing at once (PostgreSQL lets both read before either
    /// commits; SQLite serialises them, so it rarely gets here).
    /// </summary>
    public static bool IsUniqueViolation(DbUpdateException e) => e.InnerException switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555, // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
        _ => false,
    };

    /// <summary>On the Graph-compatible API errors take Graph's shape and codes, as Graph clients expect.</summary>
    static async Task<bool> TryWriteGraphAsync(HttpContext http, Exception exception)
    {
        var (status, code, message) = exception switch
        {
            MessageCenter.GraphException g => (g.Status, g.Code, g.Message),
            ProblemException p => (p.Status, MessageCenter.GraphApi.CodeFor(p.Status), p.Message),
            BadHttpRequestException bad => (bad.StatusCode, MessageCenter.GraphApi.CodeFor(bad.StatusCode),
                BadRequests.Describe(bad) is ({ } badField, { } why) ? $"{badField}: {why}" : bad.Message),
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => (499, "requestCancelled", "The client closed the request."),
            // Anything unexpected still answers in Graph's shape, so Graph clients surface a readable ODataError.
            _ => (500, "generalException", "An unexpected error occurred; the server log has the details (request id below)."),
        };
        await MessageCenter.GraphApi.WriteErrorAsync(http, status, code, message);
        return true;
    }
}

/// <summary>
/// Names the field behind a request the framework could not read: a body value of the wrong JSON type
/// (<c>"title": 123</c>) or a query value that is not of the parameter's type (<c>?top=abc</c>), instead of the
/// framework's "Failed to read parameter \"ChangeInput input\"", which names a C# type and no field.
/// </summary>
public static partial class BadRequests
{
    public static (string? Field, string? Message) Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is System.Text.Json.JsonException json)
        {
            var field = FieldOf(json.Path);
            // A value of the wrong type; a body that is not JSON at all stays a plain bad request.
            var target = ConvertedTo().Match(json.Message);
            return field is null || !target.Success ? (null, null) : (field, $"The value is not {Expected(target.Groups[1].Value)}.");
        }
        var bind = BindFailure().Match(bad.Message);
        return bind.Success ? (bind.Groups["name"].Value, $"'{bind.Groups["value"].Value}' is not {Expected(bind.Groups["type"].Value)}.") : (null, null);
    }

    /// <summary>"$.title" → "title"; "$.items[2].eventId" → "items[2].eventId"; camel case as the API's JSON.</summary>
    static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length == 0 ? null : char.ToLowerInvariant(field[0]) + field[1..];
    }

    static string Expected(string type)
    {
        if (type.Contains("List`1") || type.Contains("Enumerable`1") || type.EndsWith("[]", StringComparison.Ordinal) || type.StartsWith("List<", StringComparison.Ordinal))
        {
            return "a list";
        }
        var name = NullableOf().Match(type) is { Success: true } nullable ? nullable.Groups[1].Value : type;
        name = name[(name.LastIndexOf('.') + 1)..];
        return name.ToLowerInvariant() switch
        {
            "string" => "text",
            "int" or "int32" or "long" or "int64" or "short" or "int16" => "a whole number",
            "double" or "decimal" or "single" or "float" => "a number",
            "bool" or "boolean" => "true or false",
            "guid" => "an id (a GUID)",
            "datetimeoffset" or "datetime" => "a date and time (ISO 8601, e.g. 2026-03-02T09:00:00Z)",
            "dateonly" => "a date (e.g. 2026-03-02)",
            "timeonly" => "a time of day (e.g. 09:00)",
            _ => $"a valid {name}",
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"could not be converted to ([^\s]+?)\.?\s+Path", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ConvertedTo();

    [System.Text.RegularExpressions.GeneratedRegex(@"^Failed to bind parameter ""(?<type>.+) (?<name>[^ ""]+)"" from ""(?<value>.*)""\.?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:System\.)?Nullable(?:`1)?[<\[]+(.+?)[>\]]+$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex NullableOf();
}

