using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Digests go to confirmed extra addresses only.</summary>
public sealed class ExtraAddressDigestTests
{
    [Fact]
    public async Task APendingAddressGetsNoDigestWhileAConfirmedOneDoes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sink = await SmtpSink.StartNewAsync();
        await using var app = await SmtpFixture.StartAsync(sink);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(1);
        var pending = await tenant.Admin.AddAddressAsync("daily-digest");
        var confirmed = await app.AddConfirmedAddressAsync(tenant.Admin, "daily-digest");
        var change = await release.AnnounceAsync(app.Spec(tenant));

        // Past the tenant's digest time (08:00 UTC by default).
        var now = app.Clock.GetUtcNow();
        var slot = new DateTimeOffset(now.UtcDateTime.Date.AddHours(8), TimeSpan.Zero);
        slot = slot <= now ? slot.AddDays(1) : slot;
        app.Clock.SetUtcNow(slot + TimeSpan.FromSeconds(30));
        await Poll.WhileAdvancingAsync(app.Clock, TimeSpan.FromSeconds(1),
            async () => (await tenant.Admin.AddressesAsync()).Single(a => a.Email == confirmed).LastDigestAt == slot,
            notAfter: slot + TimeSpan.FromMinutes(30), what: "the confirmed address's digest");
        // One more whole pass of the digest job: a pending address that the first pass had not reached yet would be taken now.
        await app.Services.GetServices<IHostedService>().OfType<DigestJob>().Single().RunOnceAsync(ct);

        await Poll.UntilAsync(() => sink.AcceptedFor([confirmed]).Any(m => m.Message.Headers["X-ChangeDesk-Event"] == "digest.daily"), what: "the digest");
        Assert.Contains(change.Title, sink.AcceptedFor([confirmed]).Single(m => m.Message.Headers["X-ChangeDesk-Event"] == "digest.daily").Message.TextBody);
        Assert.Null((await tenant.Admin.AddressesAsync()).Single(a => a.Email == pending).LastDigestAt);
        Assert.Equal([ExtraAddresses.ConfirmationEvent], (await app.OutboxRowsAsync([pending])).Select(r => r.EventType));
    }
}
