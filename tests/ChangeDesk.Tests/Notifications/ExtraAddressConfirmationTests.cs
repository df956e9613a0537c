using System.Text.Json;
using ChangeDesk.Approvals;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Notifications;

/// <summary>
/// An extra address receives the tenant's email only after its owner has confirmed it through the signed link
/// mailed to it; the link is refused when forged, altered, expired or when the address was removed.
/// </summary>
public sealed class ExtraAddressConfirmationTests(SmtpFixture app) : IClassFixture<SmtpFixture>
{
    static bool IsConfirmation(ReceivedMail m) => m.Message.Headers["X-ChangeDesk-Event"] == ExtraAddresses.ConfirmationEvent;

    HttpClient Stranger() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Fact]
    public async Task APendingAddressReceivesNoAnnouncementOnlyItsConfirmationLink()
    {
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(1);
        var pending = await tenant.Admin.AddAddressAsync();

        var change = await release.AnnounceAsync(app.Spec(tenant));

        var everyone = tenant.Emails.Append(pending).ToList();
        var rows = await app.SettledRowsAsync(everyone, 2);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(everyone).Count >= 2, what: "the admin's announcement and the confirmation email");
        var toPending = Assert.Single(app.Sink.AcceptedFor([pending]));
        Assert.True(IsConfirmation(toPending), $"{pending} was sent '{toPending.Message.Subject}' before confirming.");
        Assert.Equal($"[ChangeDesk] Confirm that {pending} should receive {tenant.Tenant.Name}'s notices", toPending.Message.Subject);
        Assert.DoesNotContain(change.Title, toPending.Message.TextBody);
        AddressConfirmationSteps.ConfirmationPathIn(toPending.Message.TextBody);
        Assert.Contains("/email/confirm/", toPending.Message.HtmlBody);
        Assert.Equal(WebhookEvents.MessagePosted, Assert.Single(app.Sink.AcceptedFor(tenant.Emails)).Message.Headers["X-ChangeDesk-Event"]);
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, rows);

        var listed = Assert.Single(await tenant.Admin.GetJsonAsync<JsonElement[]>("/api/notifications/addresses"));
        Assert.Equal(pending, listed.GetProperty("email").GetString());
        Assert.Equal("pending", listed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("confirmedAt").ValueKind);
    }

    [Fact]
    public async Task OpeningTheLinkConfirmsNothingAndTheButtonMakesTheAddressReceiveTheNextAnnouncement()
    {
        var ct = TestContext.Current.CancellationToken;
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(1);
        var shared = await tenant.Admin.AddAddressAsync();
        await Poll.UntilAsync(() => app.Sink.AcceptedFor([shared]).Count == 1, what: "the confirmation email at the SMTP server");
        var path = AddressConfirmationSteps.ConfirmationPathIn(app.Sink.AcceptedFor([shared])[0].Message.TextBody);

        // A mail scanner that opens the link, or posts without the page's form token, confirms nothing.
        var owner = Stranger();
        var page = await owner.GetAsync(path, ct);
        await Expect.StatusAsync(page, 200);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains(shared, html);
        Assert.Contains(tenant.Tenant.Name, html);
        Assert.Contains("<form method=\"post\"", html);
        Assert.Equal(400, (int)(await owner.PostAsync(path, new FormUrlEncodedContent([]), ct)).StatusCode);
        Assert.Equal(AddressStatus.Pending, Assert.Single(await tenant.Admin.AddressesAsync()).Status);

        var confirmed = await app.PostConfirmationAsync(path);
        await Expect.StatusAsync(confirmed, 200);
        var shown = await confirmed.Content.ReadAsStringAsync(ct);
        Assert.Contains($"{shared} receives {tenant.Tenant.Name}", shown);
        // The owner of the mailbox is not signed in: the page shows no menu and no sign-out.
        Assert.DoesNotContain("Sign out", shown);
        Assert.DoesNotContain("/releases", shown);
        var listed = Assert.Single(await tenant.Admin.AddressesAsync());
        Assert.Equal(AddressStatus.Confirmed, listed.Status);
        Assert.NotNull(listed.ConfirmedAt);

        var change = await release.AnnounceAsync(app.Spec(tenant));
        await Poll.UntilAsync(() => app.Sink.AcceptedFor([shared]).Count >= 2, what: "the announcement to the confirmed address");
        var announcement = Assert.Single(app.Sink.AcceptedFor([shared]), m => !IsConfirmation(m));
        Assert.Equal(WebhookEvents.MessagePosted, announcement.Message.Headers["X-ChangeDesk-Event"]);
        Assert.Contains(change.Title, announcement.Message.Subject);

        // The link shows the address as confirmed from then on, and a confirmed address has no link to re-send.
        var again = await Stranger().GetAsync(path, ct);
        await Expect.StatusAsync(again, 200);
        Assert.Contains("Address confirmed", await again.Content.ReadAsStringAsync(ct));
        await Expect.ProblemAsync(await tenant.Admin.PostJsonAsync($"/api/notifications/addresses/{listed.Id}/confirmation"), 409, "address-confirmed");
    }

    [Fact]
    public async Task AForgedOrAlteredLinkIsRefusedAndConfirmsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await app.TenantAsync(1);
        var shared = await tenant.Admin.AddAddressAsync();
        var path = await app.ConfirmationPathAsync(shared);
        var token = path[(path.LastIndexOf('/') + 1)..];
        var middle = token.Length / 2;
        var altered = token[..middle] + (token[middle] == 'A' ? 'B' : 'A') + token[(middle + 1)..];
        // A link of another kind, signed with the same keys for another purpose.
        var approvalLink = await app.AsSystemAsync(s =>
            Task.FromResult(s.GetRequiredService<ApprovalLinks>().LinkFor(1, tenant.Tenant.Id, app.Clock.GetUtcNow().AddDays(1))));

        foreach (var forged in new[] { altered, "not-a-token", approvalLink[(approvalLink.LastIndexOf('/') + 1)..] })
        {
            var page = await Stranger().GetAsync($"/email/confirm/{forged}", ct);
            await Expect.StatusAsync(page, 400);
            Assert.Contains("This confirmation link is not valid", await page.Content.ReadAsStringAsync(ct));
            // A valid form posted to the forged link is refused as well.
            var posted = await app.PostConfirmationAsync(path, postTo: $"/email/confirm/{forged}");
            await Expect.StatusAsync(posted, 400);
        }
        Assert.Equal(AddressStatus.Pending, Assert.Single(await tenant.Admin.AddressesAsync()).Status);
    }

    [Fact]
    public async Task AnExpiredLinkIsRefusedAndTheLinkSentAgainWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await app.TenantAsync(1);
        var shared = await tenant.Admin.AddAddressAsync();
        var expired = await app.ConfirmationPathAsync(shared);

        app.Clock.Advance(new ExtraAddressOptions().ConfirmationLinkLifetime + TimeSpan.FromMinutes(1));

        var page = await Stranger().GetAsync(expired, ct);
        await Expect.StatusAsync(page, 400);
        Assert.Contains("This confirmation link expired on", await page.Content.ReadAsStringAsync(ct));
        await Expect.StatusAsync(await app.PostConfirmationAsync("/login", postTo: expired), 400);
        var address = Assert.Single(await tenant.Admin.AddressesAsync());
        Assert.Equal(AddressStatus.Pending, address.Status);

        var resent = await tenant.Admin.PostJsonAsync($"/api/notifications/addresses/{address.Id}/confirmation");
        await Expect.StatusAsync(resent, 202);
        await Poll.UntilAsync(async () => (await app.ConfirmationRowsAsync(shared)).Count == 2, what: "the second confirmation email");
        var fresh = await app.ConfirmationPathAsync(shared);
        Assert.NotEqual(expired, fresh);
        await Expect.StatusAsync(await app.PostConfirmationAsync(fresh), 200);
        Assert.Equal(AddressStatus.Confirmed, Assert.Single(await tenant.Admin.AddressesAsync()).Status);
    }

    [Fact]
    public async Task TheLinkOfARemovedAddressIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await app.TenantAsync(1);
        var shared = await tenant.Admin.AddAddressAsync();
        var path = await app.ConfirmationPathAsync(shared);
        var form = await Stranger().GetAsync(path, ct);
        await Expect.StatusAsync(form, 200);

        var id = Assert.Single(await tenant.Admin.AddressesAsync()).Id;
        await Expect.StatusAsync(await tenant.Admin.Client.DeleteAsync($"/api/notifications/addresses/{id}", ct), 204);

        var page = await Stranger().GetAsync(path, ct);
        await Expect.StatusAsync(page, 404);
        Assert.Contains($"{shared} was removed", await page.Content.ReadAsStringAsync(ct));
        await Expect.StatusAsync(await app.PostConfirmationAsync("/login", postTo: path), 404);
        Assert.Empty(await tenant.Admin.AddressesAsync());
    }
}
