using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Webhooks;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Signed webhooks to a real HTTP endpoint: scoping, signatures, retries with a delivery log, test pings.</summary>
public sealed class WebhookTests(SmtpFixture app) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task AnnouncingPostsSignedEventsToTheProviderForEveryTenantAndToEachTenantOnlyItsOwn()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var (a, b) = (await app.TenantAsync(1), await app.TenantAsync(1));
        var provider = await RegisterAsync(providerAdmin, receiver.Url("/provider"), WebhookEvents.MessagePosted);
        var hookA = await RegisterAsync(a.Admin, receiver.Url("/tenant-a"));
        var hookB = await RegisterAsync(b.Admin, receiver.Url("/tenant-b"));
        Assert.Null(provider.Endpoint.TenantId);
        Assert.Equal(a.Tenant.Id, hookA.Endpoint.TenantId);
        try
        {
            var toA = await release.AnnounceAsync(app.Spec(a));
            var toB = await release.AnnounceAsync(app.Spec(b));

            await Poll.UntilAsync(() => receiver.At("/provider").Count >= 2 && receiver.At("/tenant-a").Count >= 2 && receiver.At("/tenant-b").Count >= 2,
                what: "the events at all three endpoints");
            await Poll.UntilAsync(async () => (await providerAdmin.OutboxAsync([provider.Endpoint.Id.ToString(), hookA.Endpoint.Id.ToString(), hookB.Endpoint.Id.ToString()],
                "pending", Channels.Webhook)).Count == 0, what: "no webhook left to send");

            // The provider's endpoint, filtered to message.posted, gets one event per targeted tenant.
            var atProvider = receiver.At("/provider");
            Assert.All(atProvider, r => Assert.Equal(WebhookEvents.MessagePosted, r.Type));
            Assert.Equal(
                new[] { (toA.MessageId, a.Tenant.Id), (toB.MessageId, b.Tenant.Id) }.Order(),
                atProvider.Select(r => (r.Json.GetProperty("data").GetProperty("messageId").GetString(), r.Json.GetProperty("data").GetProperty("tenantId").GetGuid())).Order());
            // Each tenant's endpoint (all events) gets its own post and the announce of the change told to it, nothing of the other's.
            var atA = Assert.Single(receiver.At("/tenant-a"), r => r.Type == WebhookEvents.MessagePosted);
            Assert.Equal(toA.MessageId, atA.Json.GetProperty("data").GetProperty("messageId").GetString());
            Assert.Equal(a.Tenant.Id, atA.Json.GetProperty("data").GetProperty("tenantId").GetGuid());
            Assert.Equal(toA.Title, atA.Json.GetProperty("data").GetProperty("title").GetString());
            var atB = Assert.Single(receiver.At("/tenant-b"), r => r.Type == WebhookEvents.MessagePosted);
            Assert.Equal(toB.MessageId, atB.Json.GetProperty("data").GetProperty("messageId").GetString());
            var transitionA = Assert.Single(receiver.At("/tenant-a"), r => r.Type == WebhookEvents.ChangeTransitioned);
            var transitionB = Assert.Single(receiver.At("/tenant-b"), r => r.Type == WebhookEvents.ChangeTransitioned);
            Assert.Equal(2, receiver.At("/tenant-a").Count);
            Assert.Equal(2, receiver.At("/tenant-b").Count);
            Assert.Equal((toA.Id, "announce"), (transitionA.Json.GetProperty("data").GetProperty("changeId").GetInt32(), transitionA.Json.GetProperty("data").GetProperty("action").GetString()));
            Assert.Equal(toB.Id, transitionB.Json.GetProperty("data").GetProperty("changeId").GetInt32());

            foreach (var (hook, requests) in new[] { (provider, atProvider), (hookA, [atA, transitionA]), (hookB, [atB, transitionB]) })
            {
                foreach (var request in requests)
                {
                    AssertSigned(request, hook.Secret);
                }
            }
            Assert.Equal(atProvider.Count + 4, receiver.All.Select(r => r.Header("webhook-id")).Distinct().Count());
            // A signature made with another endpoint's secret does not verify.
            Assert.False(SignatureVerifies(atA, hookB.Secret));
        }
        finally
        {
            await DeleteAsync(providerAdmin, provider);
            await DeleteAsync(a.Admin, hookA);
            await DeleteAsync(b.Admin, hookB);
        }
    }

    [Fact]
    public async Task ATenantsEndpointHearsEachStepOfAnAllTenantChangeButNotOfADraft()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(1);
        var hook = await RegisterAsync(tenant.Admin, receiver.Url("/tenant"), WebhookEvents.ChangeTransitioned);
        var providerHook = await RegisterAsync(providerAdmin, receiver.Url("/provider"), WebhookEvents.ChangeTransitioned);
        try
        {
            var everyone = new ChangeSpec([], app.Clock.GetUtcNow().AddDays(7));
            var change = await release.CreateChangeAsync(everyone with { AllTenants = true });
            var dropped = await release.CreateChangeAsync(everyone with { AllTenants = true });
            await Expect.StatusAsync(await release.PostJsonAsync($"/api/changes/{dropped.Id}/cancel"), 200);
            await Expect.StatusAsync(await release.PostJsonAsync($"/api/changes/{change.Id}/announce"), 200);
            await Expect.StatusAsync(await release.PostJsonAsync($"/api/changes/{change.Id}/start"), 200);

            await Poll.UntilAsync(() => receiver.At("/tenant").Count >= 2 && receiver.At("/provider").Count >= 3, what: "the transitions at both endpoints");
            await Poll.UntilAsync(async () => (await providerAdmin.OutboxAsync([hook.Endpoint.Id.ToString(), providerHook.Endpoint.Id.ToString()],
                "pending", Channels.Webhook)).Count == 0, what: "no webhook left to send");

            static (int, string?, string?) Step(ReceivedHook r) =>
                (r.Json.GetProperty("data").GetProperty("changeId").GetInt32(), r.Json.GetProperty("data").GetProperty("action").GetString(),
                    r.Json.GetProperty("data").GetProperty("state").GetString());
            // The tenant was told of the change it is targeted by (as one of all tenants), never of the draft it never saw.
            Assert.Equal([(change.Id, "announce", "announced"), (change.Id, "start", "in-progress")], receiver.At("/tenant").Select(Step).Order());
            Assert.All(receiver.At("/tenant"), r => AssertSigned(r, hook.Secret));
            // The provider hears of every step, the draft's cancellation included.
            Assert.Equal([(change.Id, "announce", "announced"), (change.Id, "start", "in-progress"), (dropped.Id, "cancel", "cancelled")],
                receiver.At("/provider").Select(Step).Order());
        }
        finally
        {
            await DeleteAsync(tenant.Admin, hook);
            await DeleteAsync(providerAdmin, providerHook);
        }
    }

    [Fact]
    public async Task AnEndpointAnswering500IsRetriedAfterTheBackoffAndTheLogShowsBothAttempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, before) => before == 0 ? 500 : 204;
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(1);
        var hook = await RegisterAsync(tenant.Admin, receiver.Url("/flaky"), WebhookEvents.MessagePosted);
        try
        {
            var change = await release.AnnounceAsync(app.Spec(tenant));
            var failedAt = app.Clock.GetUtcNow();
            var pending = await Poll.ForAsync(() => providerAdmin.OutboxAsync([hook.Endpoint.Id.ToString()], "pending", Channels.Webhook),
                rows => rows.Count == 1 && rows[0].Attempts == 1, what: "the failed first attempt");
            Assert.Contains("500", pending[0].LastError);
            Assert.InRange(pending[0].DueAt, failedAt + 0.8 * SmtpFixture.FirstRetry, failedAt + 1.2 * SmtpFixture.FirstRetry);
            var log = await tenant.Admin.GetJsonAsync<List<DeliveryView>>($"/api/webhooks/{hook.Endpoint.Id}/deliveries");
            var failed = Assert.Single(log);
            Assert.Equal(((int?)500, false, 1), (failed.StatusCode, failed.Succeeded, failed.Attempt));
            Assert.Single(receiver.At("/flaky"));

            await Poll.WhileAdvancingAsync(app.Clock, TimeSpan.FromSeconds(1), async () => receiver.At("/flaky").Count >= 2
                && (await providerAdmin.OutboxAsync([hook.Endpoint.Id.ToString()], "sent", Channels.Webhook)).Count == 1, what: "the retry to succeed");

            log = await tenant.Admin.GetJsonAsync<List<DeliveryView>>($"/api/webhooks/{hook.Endpoint.Id}/deliveries");
            Assert.Equal(new (int, int?, bool)[] { (1, 500, false), (2, 204, true) }, log.OrderBy(d => d.At).Select(d => (d.Attempt, d.StatusCode, d.Succeeded)));
            Assert.All(log, d => Assert.Equal(pending[0].Id, d.OutboxId));
            Assert.NotNull(log.Single(d => !d.Succeeded).Error);
            var requests = receiver.At("/flaky");
            Assert.Equal(2, requests.Count);
            // The retry is the same event: same id and body, signed again with the time of the new attempt.
            Assert.Equal(requests[0].Header("webhook-id"), requests[1].Header("webhook-id"));
            Assert.Equal(requests[0].Body, requests[1].Body);
            Assert.True(long.Parse(requests[1].Header("webhook-timestamp"), CultureInfo.InvariantCulture)
                > long.Parse(requests[0].Header("webhook-timestamp"), CultureInfo.InvariantCulture));
            Assert.All(requests, r => AssertSigned(r, hook.Secret));
            Assert.Equal(change.MessageId, requests[1].Json.GetProperty("data").GetProperty("messageId").GetString());
            // Another tenant's admin cannot read this endpoint's log.
            var other = await app.TenantAsync(1);
            await Expect.StatusAsync(await other.Admin.Client.GetAsync($"/api/webhooks/{hook.Endpoint.Id}/deliveries", TestContext.Current.CancellationToken), 404);
        }
        finally
        {
            await DeleteAsync(tenant.Admin, hook);
        }
    }

    [Fact]
    public async Task TheTestButtonDeliversASignedPing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var tenant = await app.TenantAsync(1);
        // Filtered to an event that does not happen here: a ping is still delivered.
        var hook = await RegisterAsync(tenant.Admin, receiver.Url("/ping"), WebhookEvents.ApprovalDecided);
        var providerHook = await RegisterAsync(providerAdmin, receiver.Url("/provider-ping"));
        try
        {
            await Expect.StatusAsync(await tenant.Admin.PostJsonAsync($"/api/webhooks/{hook.Endpoint.Id}/test"), 202);
            await Expect.StatusAsync(await providerAdmin.PostJsonAsync($"/api/webhooks/{providerHook.Endpoint.Id}/test"), 202);
            await Poll.UntilAsync(() => receiver.At("/ping").Count == 1 && receiver.At("/provider-ping").Count == 1, what: "the pings");

            foreach (var (path, registered) in new[] { ("/ping", hook), ("/provider-ping", providerHook) })
            {
                var ping = Assert.Single(receiver.At(path));
                Assert.Equal(WebhookEvents.Ping, ping.Type);
                Assert.Equal(registered.Endpoint.Id, ping.Json.GetProperty("data").GetProperty("endpointId").GetGuid());
                Assert.StartsWith("application/json", ping.Header("content-type"));
                AssertSigned(ping, registered.Secret);
            }
            var log = await Poll.ForAsync(() => tenant.Admin.GetJsonAsync<List<DeliveryView>>($"/api/webhooks/{hook.Endpoint.Id}/deliveries"),
                l => l.Count == 1, what: "the ping in the delivery log");
            Assert.Equal((WebhookEvents.Ping, (int?)200, true), (log[0].EventType, log[0].StatusCode, log[0].Succeeded));
            // A tenant admin cannot test the provider's endpoint.
            await Expect.StatusAsync(await tenant.Admin.PostJsonAsync($"/api/webhooks/{providerHook.Endpoint.Id}/test"), 404);
        }
        finally
        {
            await DeleteAsync(tenant.Admin, hook);
            await DeleteAsync(providerAdmin, providerHook);
        }
    }

    static async Task<CreatedWebhook> RegisterAsync(TestUser admin, string url, params string[] events)
    {
        var response = await admin.PostJsonAsync("/api/webhooks", new { url, description = "test receiver", events });
        await Expect.StatusAsync(response, 201);
        var created = (await response.Content.ReadFromJsonAsync<CreatedWebhook>(ChangeDeskFactory.Json))!;
        Assert.StartsWith("whsec_", created.Secret);
        return created;
    }

    static async Task DeleteAsync(TestUser admin, CreatedWebhook hook) =>
        await Expect.StatusAsync(await admin.Client.DeleteAsync($"/api/webhooks/{hook.Endpoint.Id}"), 204);

    /// <summary>Standard Webhooks, computed here independently of the service: v1,base64(HMAC-SHA256(key, id.timestamp.body)).</summary>
    static bool SignatureVerifies(ReceivedHook request, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = $"{request.Header("webhook-id")}.{request.Header("webhook-timestamp")}.{request.Body}";
        using var hmac = new HMACSHA256(key);
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(signed)));
        // The header may carry several space-separated signatures.
        return request.Header("webhook-signature").Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }

    void AssertSigned(ReceivedHook request, string secret)
    {
        Assert.Matches("^[0-9a-f]{32}$", request.Header("webhook-id"));
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(long.Parse(request.Header("webhook-timestamp"), CultureInfo.InvariantCulture));
        Assert.InRange(timestamp, ChangeDeskFactory.Start, app.Clock.GetUtcNow());
        Assert.True(SignatureVerifies(request, secret), $"The signature of {request.Path} does not verify: {request.Header("webhook-signature")}");
    }
}
