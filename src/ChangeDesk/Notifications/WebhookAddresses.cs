using System.Net;
using System.Net.Sockets;

namespace ChangeDesk.Notifications;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Networks (CIDR, e.g. "10.20.0.0/16" or "fd00:1::/64") that endpoints may be in although the address rules forbid
    /// them: an operator's own receivers on an internal network. Empty by default.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>Whether plain http endpoints are accepted; null means: everywhere but in Production.</summary>
    public bool? AllowHttp { get; set; }
}

/// <summary>
/// Which addresses a webhook may be delivered to. A tenant admin chooses the URL, and the service posts from
/// inside the operator's network: without this rule an endpoint could reach the service's loopback, the cloud
/// metadata address or any host on the internal network, and the delivery log would report what answered.
/// </summary>
public sealed class WebhookAddressPolicy
{
    readonly IPNetwork[] allowed;

    public WebhookAddressPolicy(WebhookOptions options, bool isProduction)
    {
        allowed = options.AllowedNetworks.Select(n => IPNetwork.TryParse(n.Trim(), out var network)
            ? network : throw new InvalidOperationException($"Webhooks:AllowedNetworks: '{n}' is not a network in CIDR form (e.g. 10.20.0.0/16).")).ToArray();
        AllowsHttp = options.AllowHttp ?? !isProduction;
    }

    public bool AllowsHttp { get; }

    static readonly (IPNetwork Network, string Kind)[] ForbiddenV4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (CGNAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "reserved"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"), // with 255.255.255.255, the broadcast address
    ];

    static readonly (IPNetwork Network, string Kind)[] ForbiddenV6 =
    [
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/96"), "reserved"), // IPv4-compatible, deprecated
        (IPNetwork.Parse("64:ff9b:1::/48"), "private"),
        (IPNetwork.Parse("100::/64"), "reserved"),
        (IPNetwork.Parse("2001::/23"), "reserved"), // protocol assignments, Teredo among them
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    /// <summary>Why the address is refused ("loopback", "private"...), or null when a webhook may go there.</summary>
    public string? Refusal(IPAddress address)
    {
        if (allowed.Any(n => n.Contains(address) || (address.IsIPv4MappedToIPv6 && n.Contains(address.MapToIPv4()))))
        {
            return null;
        }
        return Forbidden(address);
    }

    /// <summary>The rule alone, without the operator's exceptions.</summary>
    public static string? Forbidden(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ForbiddenV4.FirstOrDefault(f => f.Network.Contains(address)).Kind;
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return Forbidden(address.MapToIPv4());
        }
        var bytes = address.GetAddressBytes();
        // 6to4 (2002:AABB:CCDD::/48) and NAT64 (64:ff9b::AABB:CCDD) carry an IPv4 address that the relay reaches.
        if (SixToFour.Contains(address))
        {
            return Forbidden(new IPAddress(bytes.AsSpan(2, 4)));
        }
        if (Nat64.Contains(address))
        {
            return Forbidden(new IPAddress(bytes.AsSpan(12, 4)));
        }
        return ForbiddenV6.FirstOrDefault(f => f.Network.Contains(address)).Kind;
    }

    /// <summary>
    /// What is wrong with an endpoint URL before any address is known: scheme, credentials, a literal address or a
    /// name that only ever means this machine. Null when it may be registered (its name is checked again, resolved,
    /// at every delivery).
    /// </summary>
    public string? UrlRefusal(Uri url)
    {
        if (url.Scheme is not ("http" or "https"))
        {
            return "Give an absolute http or https URL.";
        }
        if (url.Scheme == "http" && !AllowsHttp)
        {
            return "Webhook endpoints must use https (rule: https-required).";
        }
        if (url.UserInfo.Length > 0)
        {
            return "Give the URL without a user name or password; the signature authenticates the service (rule: no-credentials).";
        }
        var host = url.IdnHost.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal))
        {
            return Refusal(literal) is { } kind ? AddressMessage(kind) : null;
        }
        var name = host.TrimEnd('.');
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return Refusal(IPAddress.Loopback) is { } kind ? AddressMessage(kind) : null;
        }
        return null;
    }

    public static string AddressMessage(string kind) =>
        $"The endpoint's address is {kind}: webhooks go only to public internet addresses (rule: forbidden-address).";
}

/// <summary>A delivery refused before connecting: the endpoint's name resolved to a forbidden address.</summary>
public sealed class WebhookAddressRefusedException(string kind) : IOException($"The endpoint's address is {kind}.")
{
    public string Kind { get; } = kind;
}

/// <summary>
/// The connection path of webhook deliveries: the name is resolved here, every address it resolves to is checked, and
/// the socket connects only to those checked addresses, so a name that changes its answer between a check and the
/// connect (DNS rebinding) gains nothing. Redirects are not followed and no proxy is used.
/// </summary>
public static class WebhookConnections
{
    public static SocketsHttpHandler Handler(WebhookAddressPolicy policy) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = (context, ct) => ConnectAsync(policy, context.DnsEndPoint, ct),
    };

    static async ValueTask<Stream> ConnectAsync(WebhookAddressPolicy policy, DnsEndPoint endpoint, CancellationToken ct)
    {
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        foreach (var address in addresses)
        {
            if (policy.Refusal(address) is { } kind)
            {
                throw new WebhookAddressRefusedException(kind);
            }
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
