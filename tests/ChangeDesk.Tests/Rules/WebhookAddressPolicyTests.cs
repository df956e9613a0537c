using System.Net;
using ChangeDesk.Notifications;

namespace ChangeDesk.Tests.Rules;

public sealed class WebhookAddressPolicyTests
{
    static WebhookAddressPolicy Policy(bool production = false, bool? allowHttp = null, params string[] allowed) =>
        new(new WebhookOptions { AllowedNetworks = [.. allowed], AllowHttp = allowHttp }, production);

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.31.0.1", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.64.0.1", "shared (CGNAT)")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.18.0.1", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::127.0.0.1", "reserved")]
    [InlineData("2002:7f00:1::1", "loopback")]
    [InlineData("2002:a9fe:a9fe::", "link-local")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("2001:0:4136:e378::1", "reserved")]
    public void AnAddressInsideTheServicesReachIsRefusedWithItsKind(string address, string kind) =>
        Assert.Equal(kind, WebhookAddressPolicy.Forbidden(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("100.128.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2002:808:808::")]
    public void APublicAddressIsAllowed(string address) =>
        Assert.Null(WebhookAddressPolicy.Forbidden(IPAddress.Parse(address)));

    [Fact]
    public void AnAllowedNetworkOpensOnlyItself()
    {
        var policy = Policy(allowed: ["127.0.0.1/32", "fd00:1::/64"]);
        Assert.Null(policy.Refusal(IPAddress.Parse("127.0.0.1")));
        Assert.Null(policy.Refusal(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Null(policy.Refusal(IPAddress.Parse("fd00:1::5")));
        Assert.Equal("loopback", policy.Refusal(IPAddress.Parse("127.0.0.2")));
        Assert.Equal("loopback", policy.Refusal(IPAddress.Parse("::1")));
        Assert.Equal("unique-local", policy.Refusal(IPAddress.Parse("fd00:2::5")));
    }

    [Fact]
    public void AMalformedAllowedNetworkStopsTheServiceNamingTheSetting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Policy(allowed: ["10.0.0.0/33"]));
        Assert.Contains("Webhooks:AllowedNetworks", e.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://LOCALHOST./hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:7f00:1]/hook")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    public void AUrlNamingAForbiddenAddressIsRefusedBeforeAnyLookup(string url) =>
        Assert.Contains("forbidden-address", Policy().UrlRefusal(new Uri(url)));

    [Fact]
    public void PlainHttpIsRefusedInProductionUnlessConfigured()
    {
        var url = new Uri("http://hooks.example.com/in");
        Assert.Contains("https-required", Policy(production: true).UrlRefusal(url));
        Assert.Null(Policy(production: true).UrlRefusal(new Uri("https://hooks.example.com/in")));
        Assert.Null(Policy(production: true, allowHttp: true).UrlRefusal(url));
        Assert.Null(Policy(production: false).UrlRefusal(url));
        Assert.Contains("https-required", Policy(production: false, allowHttp: false).UrlRefusal(url));
    }

    [Fact]
    public void CredentialsInTheUrlAreRefused() =>
        Assert.Contains("no-credentials", Policy().UrlRefusal(new Uri("https://user:secret@hooks.example.com/in")));
}
