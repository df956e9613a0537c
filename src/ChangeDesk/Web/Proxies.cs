using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ChangeDesk.Web;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto, honoured only from the proxies named in configuration
/// (<c>ForwardedHeaders:KnownProxies</c>, addresses, and <c>ForwardedHeaders:KnownNetworks</c>, CIDR ranges). With
/// none configured no one is trusted (not even loopback, which the framework trusts by default): a client cannot
/// claim https or another address by sending the headers itself.
/// </summary>
/// <remarks>
/// The framework's middleware applies forwarded headers from anyone when both lists are empty, so with nothing
/// configured it is not added to the pipeline at all.
/// </remarks>
public static class Proxies
{
    public const string Section = "ForwardedHeaders";

    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = configuration.GetSection($"{Section}:KnownProxies").Get<string[]>() ?? [];
        var networks = configuration.GetSection($"{Section}:KnownNetworks").Get<string[]>() ?? [];
        var parsedProxies = proxies.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => IPAddress.TryParse(p.Trim(), out var ip) ? ip
            : throw new InvalidOperationException($"{Section}:KnownProxies: '{p}' is not an IP address (e.g. 10.0.0.5).")).ToList();
        var parsedNetworks = networks.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => System.Net.IPNetwork.TryParse(n.Trim(), out var net) ? net
            : throw new InvalidOperationException($"{Section}:KnownNetworks: '{n}' is not a CIDR range (e.g. 10.0.0.0/8).")).ToList();
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var ip in parsedProxies)
            {
                o.KnownProxies.Add(ip);
            }
            foreach (var net in parsedNetworks)
            {
                o.KnownIPNetworks.Add(net);
            }
        });
        return services;
    }

    /// <summary>First in the pipeline, so every later part sees the client's scheme and address; only when a proxy is configured.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ForwardedHeadersOptions>>().Value;
        return options.KnownProxies.Count + options.KnownIPNetworks.Count > 0 ? app.UseForwardedHeaders() : app;
    }
}
