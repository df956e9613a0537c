using System.Text.RegularExpressions;
using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Notifications;

/// <summary>What the owner of a shared mailbox does with a confirmation email: open its link, press the button.</summary>
public static partial class AddressConfirmationSteps
{
    /// <summary>Adds a shared mailbox to the admin's tenant and confirms it through the link mailed to it; returns the address.</summary>
    public static async Task<string> AddConfirmedAddressAsync(this ChangeDeskFactory app, TestUser tenantAdmin, string? mode = null)
    {
        var address = await tenantAdmin.AddAddressAsync(mode);
        var confirmed = await app.PostConfirmationAsync(await app.ConfirmationPathAsync(address));
        await Expect.StatusAsync(confirmed, 200);
        Assert.Contains("Address confirmed", await confirmed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return address;
    }

    /// <summary>The confirmation emails queued for the address, oldest first (from the outbox, with or without an SMTP server).</summary>
    public static async Task<List<OutboxMessage>> ConfirmationRowsAsync(this ChangeDeskFactory app, string address, Guid? tenant = null) =>
        (await app.OutboxRowsAsync([address])).Where(r => r.EventType == ExtraAddresses.ConfirmationEvent && (tenant is null || r.TenantId == tenant))
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToList();

    /// <summary>The path of the link in the latest confirmation email queued for the address (by the given tenant).</summary>
    public static async Task<string> ConfirmationPathAsync(this ChangeDeskFactory app, string address, Guid? tenant = null)
    {
        var row = (await Poll.ForAsync(() => app.ConfirmationRowsAsync(address, tenant), rows => rows.Count > 0, what: $"a confirmation email to {address}"))[^1];
        var text = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().EmailContents.Where(c => c.Id == row.ContentId).Select(c => c.Text).FirstAsync());
        return ConfirmationPathIn(text);
    }

    /// <summary>The path of the confirmation link in an email's text (the link's host is the service's public URL).</summary>
    public static string ConfirmationPathIn(string? text)
    {
        var match = ConfirmationLink().Match(text ?? "");
        Assert.True(match.Success, $"No confirmation link in: {text}");
        return match.Groups[1].Value;
    }

    /// <summary>
    /// Opens the link as the mailbox's owner does, without an account, and presses the confirm button; or posts the form of
    /// the page at <paramref name="path"/> to <paramref name="postTo"/> (a valid form, sent to another link).
    /// </summary>
    public static async Task<HttpResponseMessage> PostConfirmationAsync(this ChangeDeskFactory app, string path, string? postTo = null)
    {
        var owner = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = await CookieSession.FormTokenAsync(owner, path);
        return await owner.PostAsync(postTo ?? path, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
            TestContext.Current.CancellationToken);
    }

    /// <summary>The tenant's extra addresses as its admin sees them over the API.</summary>
    public static Task<List<AddressView>> AddressesAsync(this TestUser tenantAdmin) => tenantAdmin.GetJsonAsync<List<AddressView>>("/api/notifications/addresses");

    [GeneratedRegex(@"https?://[^/\s]+(/email/confirm/[A-Za-z0-9_\-]+)")]
    private static partial Regex ConfirmationLink();
}
