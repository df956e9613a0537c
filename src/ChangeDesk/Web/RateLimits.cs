using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Threading.RateLimiting;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.RateLimiting;

namespace ChangeDesk.Web;

/// <summary>
/// Request limits on /api and /graph (per API token, per user with the sign-in cookie, per client address without
/// a valid token) and on sign-in attempts (per client address), with ASP.NET Core's rate limiter. Allowed answers
/// carry <c>RateLimit-Limit</c> and <c>RateLimit-Remaining</c>; a refusal is a 429 with <c>Retry-After</c> and
/// <c>RateLimit-Reset</c>, in problem details on /api and in Graph's error shape on /graph.
/// </summary>
public static class RateLimits
{
    public const string LimitHeader = "RateLimit-Limit", RemainingHeader = "RateLimit-Remaining", ResetHeader = "RateLimit-Reset";

    public static IServiceCollection AddChangeDeskRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>()?.Validated() ?? new RateLimitOptions());
        services.AddSingleton<RequestLimiter>();
        services.AddSingleton<SignInLockout>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<RequestLimiter>((o, limiter) =>
        {
            o.GlobalLimiter = limiter.Limiter;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) => new ValueTask(RejectAsync(context));
        });
        return services;
    }

    /// <summary>Counts the request against its partition; runs after authentication, so tokens and users are known.</summary>
    public static IApplicationBuilder UseChangeDeskRateLimits(this IApplicationBuilder app)
    {
        app.UseRateLimiter();
        var limiter = app.ApplicationServices.GetRequiredService<RequestLimiter>();
        // Allowed requests say how much of the window is left.
        return app.Use((http, next) =>
        {
            if (RequestLimiter.PartitionOf(http) is { } partition)
            {
                http.Response.OnStarting(() =>
                {
                    var headers = http.Response.Headers;
                    headers[LimitHeader] = partition.Limit.PermitLimit.ToString(CultureInfo.InvariantCulture);
                    if (limiter.Limiter.GetStatistics(http) is { } statistics)
                    {
                        headers[RemainingHeader] = statistics.CurrentAvailablePermits.ToString(CultureInfo.InvariantCulture);
                    }
                    return Task.CompletedTask;
                });
            }
            return next(http);
        });
    }

    static async Task RejectAsync(OnRejectedContext context)
    {
        var http = context.HttpContext;
        var partition = RequestLimiter.PartitionOf(http)!;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : partition.Limit.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var headers = http.Response.Headers;
        headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        headers[LimitHeader] = partition.Limit.PermitLimit.ToString(CultureInfo.InvariantCulture);
        headers[RemainingHeader] = "0";
        headers[ResetHeader] = headers.RetryAfter;
        var detail = $"{partition.Who} may make {partition.Limit.PermitLimit} {partition.What} per {Window(partition.Limit.WindowSeconds)}, "
            + $"and has made them: retry after {seconds} second{(seconds == 1 ? "" : "s")}.";
        if (http.Request.Path.StartsWithSegments("/graph"))
        {
            await MessageCenter.GraphApi.WriteErrorAsync(http, StatusCodes.Status429TooManyRequests, "TooManyRequests", detail);
            return;
        }
        if (!http.Request.Path.StartsWithSegments("/api"))
        {
            await StatusPages.WriteHtmlAsync(http, StatusCodes.Status429TooManyRequests, $"Too many sign-in attempts: {detail}");
            return;
        }
        var problem = new ProblemException(StatusCodes.Status429TooManyRequests, "rate-limit", "Too many requests.", detail)
        {
            Extensions =
            {
                ["limit"] = partition.Name,
                ["permitLimit"] = partition.Limit.PermitLimit,
                ["windowSeconds"] = partition.Limit.WindowSeconds,
                ["retryAfterSeconds"] = seconds,
            },
        };
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = ProblemExceptionHandler.ToDetails(http, problem),
        });
    }

    static string Window(int seconds) => seconds switch
    {
        60 => "minute",
        3600 => "hour",
        _ when seconds % 60 == 0 => $"{seconds / 60} minutes",
        _ => $"{seconds} seconds",
    };
}

/// <summary>Which counter a request is counted in, and its limit.</summary>
/// <param name="Name">The limit's name in configuration and in problem details: api, graph, anonymous, sign-in.</param>
/// <param name="Who">Who the limit applies to, as a refusal says it ("This API token").</param>
/// <param name="What">What is counted ("requests to /api").</param>
public sealed record RatePartition(string Key, string Name, WindowLimit Limit, string Who, string What);

/// <summary>The partitioned limiter behind the middleware, kept here so the allowed answers can report what is left.</summary>
public sealed class RequestLimiter : IDisposable
{
    static readonly object ItemKey = new();
    readonly RateLimitOptions options;
    readonly Dictionary<string, FixedWindowRateLimiterOptions> windows;

    public RequestLimiter(RateLimitOptions options)
    {
        this.options = options;
        windows = new()
        {
            ["api"] = Fixed(options.Api),
            ["graph"] = Fixed(options.Graph),
            ["anonymous"] = Fixed(options.Anonymous),
            ["sign-in"] = Fixed(options.SignIn.Attempts),
        };
        Limiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Classify(http) is { } p
            ? RateLimitPartition.GetFixedWindowLimiter(p.Key, _ => windows[p.Name])
            : RateLimitPartition.GetNoLimiter(""));
    }

    public PartitionedRateLimiter<HttpContext> Limiter { get; }

    public static RatePartition? PartitionOf(HttpContext http) => http.Items.TryGetValue(ItemKey, out var p) ? p as RatePartition : null;

    RatePartition? Classify(HttpContext http)
    {
        if (http.Items.TryGetValue(ItemKey, out var known))
        {
            return known as RatePartition;
        }
        var partition = Decide(http);
        http.Items[ItemKey] = partition;
        return partition;
    }

    RatePartition? Decide(HttpContext http)
    {
        var path = http.Request.Path;
        var api = path.StartsWithSegments("/api");
        if (!api && !path.StartsWithSegments("/graph"))
        {
            return HttpMethods.IsPost(http.Request.Method) && path.Equals("/login", StringComparison.OrdinalIgnoreCase)
                ? new RatePartition("sign-in:" + ClientAddress.Of(http), "sign-in", options.SignIn.Attempts, "Your network address", "sign-in attempts")
                : null;
        }
        var name = api ? "api" : "graph";
        var what = api ? "requests to /api" : "requests to /graph";
        var user = http.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            var limit = api ? options.Api : options.Graph;
            return user.FindFirstValue(ApiTokenHandler.TokenIdClaim) is { } token
                ? new RatePartition($"{name}:token:{token}", name, limit, "This API token", what)
                : new RatePartition($"{name}:user:{user.FindFirstValue(ChangeDeskClaims.UserId)}", name, limit, "Your account", what);
        }
        // No token, or one that is unknown or revoked: guessing tokens costs the same as calling without one.
        return new RatePartition("anonymous:" + ClientAddress.Of(http), "anonymous", options.Anonymous,
            "A client address without a valid token", "requests to /api and /graph");
    }

    static FixedWindowRateLimiterOptions Fixed(WindowLimit limit) => new()
    {
        PermitLimit = limit.PermitLimit,
        Window = limit.Window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public void Dispose() => Limiter.Dispose();
}

/// <summary>The client address that limits are counted by: the connection's (set from X-Forwarded-For only for configured proxies).</summary>
public static class ClientAddress
{
    public static string Of(HttpContext http) => Of(http.Connection.RemoteIpAddress);

    /// <summary>IPv6 clients are counted by their /64, the smallest block a site is usually given.</summary>
    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
