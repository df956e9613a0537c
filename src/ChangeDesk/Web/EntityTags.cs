using Microsoft.Net.Http.Headers;

namespace ChangeDesk.Web;

/// <summary>A view of a versioned resource: its entity tag is its version, sent as a strong ETag.</summary>
public interface ITagged
{
    string ETag { get; }
}

/// <summary>
/// Conditional requests as RFC 9110 defines them, for every versioned resource: If-Match compares strongly (a weak tag
/// never matches, so <c>W/"2"</c> is refused), If-None-Match compares weakly (<c>W/"2"</c> and <c>*</c> match).
/// </summary>
public static class EntityTags
{
    public static string Of(int version) => $"\"{version}\"";

    /// <summary>
    /// Refuses a write whose If-Match names none of the current version; no header or <c>*</c> (the resource exists)
    /// lets it through. A header that does not parse matches nothing.
    /// </summary>
    public static void CheckIfMatch(string? ifMatch, int version)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return;
        }
        var current = new EntityTagHeaderValue(Of(version));
        if (!EntityTagHeaderValue.TryParseList([ifMatch], out var tags)
            || !tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: true)))
        {
            throw new PreconditionFailedException(current.ToString(), tags?.Any(t => t.Compare(current, useStrongComparison: false)) == true
                ? $"If-Match compares strongly, so the weak tag W/{current} never matches: send {current} itself."
                : null);
        }
    }

    /// <summary>True when If-None-Match names the current version, weakly compared, or is <c>*</c>.</summary>
    public static bool MatchesIfNoneMatch(string? ifNoneMatch, string etag) =>
        !string.IsNullOrWhiteSpace(ifNoneMatch)
        && EntityTagHeaderValue.TryParseList([ifNoneMatch], out var tags)
        && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(new EntityTagHeaderValue(etag), useStrongComparison: false));

    /// <summary>
    /// Sends the ETag of every versioned view an endpoint of the group returns; answers a GET or HEAD whose
    /// If-None-Match matches with 304 and no body; answers a failed If-Match from the endpoint itself, because a 412
    /// must carry the current ETag and the exception handler middleware removes ETag from every response it writes.
    /// </summary>
    public static RouteGroupBuilder WithEntityTags(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            object? result;
            try
            {
                result = await next(context);
            }
            catch (PreconditionFailedException e)
            {
                http.Response.Headers.ETag = e.CurrentETag;
                return TypedResults.Problem(ProblemExceptionHandler.ToDetails(http, e));
            }
            if (result is IValueHttpResult { Value: ITagged tagged } && result is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 })
            {
                http.Response.Headers.ETag = tagged.ETag;
                if ((HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                    && MatchesIfNoneMatch(http.Request.Headers.IfNoneMatch, tagged.ETag))
                {
                    return TypedResults.StatusCode(StatusCodes.Status304NotModified);
                }
            }
            return result;
        });
        return group;
    }
}
