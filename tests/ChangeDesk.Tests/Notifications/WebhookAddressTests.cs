using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Webhooks;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Notifications;

/// <summary>The service as shipped: no network allowed beyond the public internet.</summary>
public sealed class DefaultWebhookNetworks : ChangeDeskFactory
{
    protected override string[] AllowedWebhookNetworks => [];
}

/// <summary>
/// Webhooks cannot be pointed at the service's own machine or network: registration refuses such URLs, and a
/// delivery checks every address its name resolves to in the connection itself. A listener on this machine counts
/// every TCP connection it gets and answers like an SMTP server, as the port scan in the finding did.
/// </summary>
public sealed class WebhookAddressTests(DefaultWebhookNetworks app) : IClassFixture<DefaultWebhookNetworks>
{
    [Fact]
    public async Task RegisteringAnEndpointOnThisMachineOrAPrivateNetworkIsRefusedNamingTheUrl()
    {
        await using var listener = TcpCounter.Start(IPAddress.Any);
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var port = listener.Port;
        string[] urls =
        [
            $"http://127.0.0.1:{port}/", $"http://localhost:{port}/", $"http://[::1]:{port}/", $"http://0.0.0.0:{port}/", $"http://[::ffff:127.0.0.1]:{port}/",
            $"http://2130706433:{port}/", $"http://{Dns.GetHostName()}:{port}/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/hook",
            "http://[fd00::1]/hook", "http://100.64.0.1/hook", "http://[2002:7f00:1::]/hook",
        ];
        foreach (var url in urls)
        {
            var response = await admin.PostJsonAsync("/api/webhooks", new { url });
            var problem = await Expect.ProblemAsync(response, 400, "validation");
            var message = Assert.Single(problem.GetProperty("errors").GetProperty("url").EnumerateArray()).GetString();
            Assert.Contains("forbidden-address", message);
        }
        var ftp = await admin.PostJsonAsync("/api/webhooks", new { url = "ftp://hooks.example.com/in" });
        Assert.True((await Expect.ProblemAsync(ftp, 400, "validation")).GetProperty("errors").TryGetProperty("url", out _));
        Assert.Empty(await admin.GetJsonAsync<List<WebhookView>>("/api/webhooks"));
        Assert.Equal(0, listener.Connections);
    }

    [Fact]
    public async Task AnEndpointThatReachesThisMachineIsRefusedAtDeliveryWithoutAConnection()
    {
        await using var listener = TcpCounter.Start(IPAddress.Any);
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        // Endpoints stored before this rule (or whose name now resolves elsewhere): the host name of this machine
        // passes the URL check and resolves to a loopback address only at delivery.
        string[] urls = [$"http://{Dns.GetHostName()}:{listener.Port}/", $"http://127.0.0.1:{listener.Port}/", $"http://[::ffff:127.0.0.1]:{listener.Port}/"];
        var ids = new List<Guid>();
        foreach (var url in urls)
        {
            var endpoint = new WebhookEndpoint { TenantId = tenant.Id, Url = url, Secret = WebhookEndpoint.NewSecret(), CreatedAt = app.Clock.GetUtcNow() };
            await app.AsSystemAsync(async s =>
            {
                var db = s.GetRequiredService<ChangeDeskDb>();
                db.WebhookEndpoints.Add(endpoint);
                return await db.SaveChangesAsync();
            });
            ids.Add(endpoint.Id);
            await Expect.StatusAsync(await admin.PostJsonAsync($"/api/webhooks/{endpoint.Id}/test"), 202);
        }
        foreach (var id in ids)
        {
            var log = await Poll.ForAsync(() => admin.GetJsonAsync<List<DeliveryView>>($"/api/webhooks/{id}/deliveries"), l => l.Count >= 1,
                what: "the refused delivery in the log");
            var attempt = log.OrderBy(d => d.Attempt).First();
            Assert.False(attempt.Succeeded);
            Assert.Null(attempt.StatusCode);
            Assert.Equal(WebhookAddressPolicy.AddressMessage("loopback"), attempt.Error);
        }
        Assert.Equal(0, listener.Connections);
    }
}

/// <summary>Only 127.0.0.1 is allowed: a redirect from there to another loopback address must not be followed.</summary>
public sealed class OneAllowedWebhookAddress : ChangeDeskFactory
{
    protected override string[] AllowedWebhookNetworks => ["127.0.0.1/32"];
}

public sealed class WebhookRedirectTests(OneAllowedWebhookAddress app) : IClassFixture<OneAllowedWebhookAddress>
{
    [Fact]
    public async Task ARedirectIsLoggedAsAFailureAndItsTargetIsNeverContacted()
    {
        await using var forbidden = TcpCounter.Start(IPAddress.Parse("127.0.0.2"));
        await using var receiver = await WebhookReceiver.StartAsync();
        var target = $"http://127.0.0.2:{forbidden.Port}/internal";
        receiver.Answer = (_, _) => 307;
        receiver.Location = _ => target;
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        // The allowance is as narrow as configured: the redirect's target could not be registered itself.
        await Expect.ProblemAsync(await admin.PostJsonAsync("/api/webhooks", new { url = target }), 400, "validation");
        var response = await admin.PostJsonAsync("/api/webhooks", new { url = receiver.Url("/hook") });
        await Expect.StatusAsync(response, 201);
        var hook = (await response.Content.ReadFromJsonAsync<CreatedWebhook>(ChangeDeskFactory.Json, TestContext.Current.CancellationToken))!;

        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/webhooks/{hook.Endpoint.Id}/test"), 202);
        var log = await Poll.ForAsync(() => admin.GetJsonAsync<List<DeliveryView>>($"/api/webhooks/{hook.Endpoint.Id}/deliveries"), l => l.Count >= 1,
            what: "the redirected delivery in the log");

        var attempt = log.OrderBy(d => d.Attempt).First();
        Assert.Equal((307, false), (attempt.StatusCode, attempt.Succeeded));
        Assert.Contains("redirects are not followed", attempt.Error);
        Assert.DoesNotContain("127.0.0.2", attempt.Error);
        Assert.Single(receiver.At("/hook"));
        Assert.Equal(0, forbidden.Connections);
    }
}

/// <summary>A TCP listener that counts connections and greets each like an SMTP server.</summary>
sealed class TcpCounter : IAsyncDisposable
{
    readonly TcpListener listener;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    int connections;

    TcpCounter(TcpListener listener)
    {
        this.listener = listener;
        loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref connections);

    public static TcpCounter Start(IPAddress address)
    {
        var listener = new TcpListener(address, 0);
        listener.Start();
        return new TcpCounter(listener);
    }

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref connections);
                await client.GetStream().WriteAsync("220 sink ESMTP\r\n"u8.ToArray(), stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await loop;
        stop.Dispose();
    }
}
