using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Notifications;

/// <summary>What tenant admins do with extra addresses: re-send the confirmation within its limit, on the API and the page, for their own tenant only.</summary>
public sealed partial class ExtraAddressAdminTests(SmtpFixture app) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task ConfirmationEmailsToAnAddressAreLimitedPerPeriodEvenWhenItIsRemovedAndAddedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new ExtraAddressOptions();
        var tenant = await app.TenantAsync(1);
        var shared = await tenant.Admin.AddAddressAsync();
        var first = app.Clock.GetUtcNow();
        var id = Assert.Single(await tenant.Admin.AddressesAsync()).Id;
        for (var i = 1; i < options.MaxConfirmationEmails; i++)
        {
            app.Clock.Advance(TimeSpan.FromMinutes(10));
            var resent = await tenant.Admin.PostJsonAsync($"/api/notifications/addresses/{id}/confirmation");
            await Expect.StatusAsync(resent, 202);
            Assert.Equal(AddressStatus.Pending, (await resent.Content.ReadFromJsonAsync<AddressView>(ChangeDeskFactory.Json, ct))!.Status);
        }
        Assert.Equal(options.MaxConfirmationEmails, (await app.ConfirmationRowsAsync(shared)).Count);

        var overLimit = await tenant.Admin.PostJsonAsync($"/api/notifications/addresses/{id}/confirmation");
        var refused = await Expect.ProblemAsync(overLimit, 429, "confirmation-email-limit");
        // Retry-After says, in seconds, when the first of the emails leaves the period.
        var wait = first + options.ConfirmationPeriod - app.Clock.GetUtcNow();
        Assert.Equal(((long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Assert.Single(overLimit.Headers.GetValues("Retry-After")));
        Assert.StartsWith($"At most {options.MaxConfirmationEmails} confirmation emails go to one address per 24 hours", refused.GetProperty("detail").GetString());
        // Removing the address and adding it again does not start the count over.
        await Expect.StatusAsync(await tenant.Admin.Client.DeleteAsync($"/api/notifications/addresses/{id}", ct), 204);
        await Expect.ProblemAsync(await tenant.Admin.PostJsonAsync("/api/notifications/addresses", new { email = shared }), 429, "confirmation-email-limit");
        Assert.Empty(await tenant.Admin.AddressesAsync());
        Assert.Equal(options.MaxConfirmationEmails, (await app.ConfirmationRowsAsync(shared)).Count);

        // Once the first email is a period old, there is room for one more.
        app.Clock.SetUtcNow(first + options.ConfirmationPeriod + TimeSpan.FromSeconds(1));
        await Expect.StatusAsync(await tenant.Admin.PostJsonAsync("/api/notifications/addresses", new { email = shared }), 201);
        Assert.Equal(options.MaxConfirmationEmails + 1, (await app.ConfirmationRowsAsync(shared)).Count);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor([shared]).Count == options.MaxConfirmationEmails + 1, what: "every confirmation email at the SMTP server");
    }

    [Fact]
    public async Task AnotherTenantsAdminCannotSeeResendOrRemoveAnAddressAndALinkConfirmsOnlyItsOwnTenantsAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        var (mine, other) = (await app.TenantAsync(2), await app.TenantAsync(1));
        var shared = await mine.Admin.AddAddressAsync();
        await Expect.StatusAsync(await other.Admin.PostJsonAsync("/api/notifications/addresses", new { email = shared }), 201);
        var id = Assert.Single(await mine.Admin.AddressesAsync()).Id;

        Assert.DoesNotContain(await other.Admin.AddressesAsync(), a => a.Id == id);
        await Expect.ProblemAsync(await other.Admin.PostJsonAsync($"/api/notifications/addresses/{id}/confirmation"), 404, "not-found");
        await Expect.ProblemAsync(await other.Admin.Client.DeleteAsync($"/api/notifications/addresses/{id}", ct), 404, "not-found");
        // Within the tenant, only its admins manage its addresses.
        await Expect.ProblemAsync(await mine.Readers[0].PostJsonAsync($"/api/notifications/addresses/{id}/confirmation"), 403, "forbidden");
        Assert.Single(await app.ConfirmationRowsAsync(shared, mine.Tenant.Id));

        await Expect.StatusAsync(await app.PostConfirmationAsync(await app.ConfirmationPathAsync(shared, mine.Tenant.Id)), 200);

        Assert.Equal(AddressStatus.Confirmed, Assert.Single(await mine.Admin.AddressesAsync()).Status);
        Assert.Equal(AddressStatus.Pending, Assert.Single(await other.Admin.AddressesAsync()).Status);
    }

    [Fact]
    public async Task TheEmailPageShowsWhichAddressesArePendingAndItsButtonSendsTheLinkAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await app.TenantAsync(1);
        var confirmed = await app.AddConfirmedAddressAsync(tenant.Admin);
        var pending = await tenant.Admin.AddAddressAsync();
        using var browser = await app.SignInWithCookieAsync(tenant.Admin);

        var html = await browser.GetStringAsync("/account/notifications", ct);
        var rows = TableRow().Matches(html).Select(m => m.Value).ToList();
        var pendingRow = Assert.Single(rows, r => r.Contains(pending));
        Assert.Contains("Pending confirmation", pendingRow);
        Assert.Contains($"aria-label=\"Resend the confirmation to {pending}\"", pendingRow);
        var confirmedRow = Assert.Single(rows, r => r.Contains(confirmed));
        Assert.Contains("Confirmed", confirmedRow);
        Assert.DoesNotContain("Resend", confirmedRow);

        var id = Assert.Single(await tenant.Admin.AddressesAsync(), a => a.Email == pending).Id;
        var resend = await browser.PostAsync("/account/notifications?handler=ResendConfirmation", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["id"] = id.ToString(),
            ["__RequestVerificationToken"] = await CookieSession.FormTokenAsync(browser, "/account/notifications"),
        }), ct);
        await Expect.StatusAsync(resend, 302);
        Assert.Equal(2, (await app.ConfirmationRowsAsync(pending)).Count);
    }

    [GeneratedRegex("<tr>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex TableRow();
}
