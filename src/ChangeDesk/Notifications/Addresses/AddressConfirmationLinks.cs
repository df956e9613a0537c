using System.Globalization;
using ChangeDesk.Changes;
using Microsoft.AspNetCore.DataProtection;

namespace ChangeDesk.Notifications.Addresses;

/// <summary>What a confirmation link names, or why it cannot be used.</summary>
public sealed record AddressLink(Guid AddressId, string Email, DateTimeOffset Expires);

/// <summary>
/// Signed, expiring links that confirm one extra address, built like <see cref="Approvals.ApprovalLinks"/>: the
/// address id, the address itself and the expiry travel inside a payload protected by ASP.NET Core data
/// protection, so a link cannot be made or changed without the service's keys.
/// </summary>
public sealed class AddressConfirmationLinks(IDataProtectionProvider protection, ServiceOptions service, TimeProvider clock)
{
    public const string PagePath = "/email/confirm";

    readonly IDataProtector protector = protection.CreateProtector("ChangeDesk.AddressConfirmationLinks");

    public string LinkFor(Guid addressId, string email, DateTimeOffset expires) =>
        service.LinkTo($"{PagePath}/{protector.Protect($"{addressId}:{expires.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{email}")}");

    /// <summary>Reads a link's token: the address it names, or a refusal when it was forged, altered or has expired.</summary>
    public (AddressLink? Link, string? Refusal) Read(string token)
    {
        AddressLink link;
        try
        {
            var parts = protector.Unprotect(token).Split(':', 3);
            link = new AddressLink(Guid.Parse(parts[0]), parts[2], new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException or IndexOutOfRangeException or ArgumentException)
        {
            return (null, "This confirmation link is not valid: it may have been cut short or changed. Open the link from the email again, "
                + "or ask the tenant's admin to send a new one.");
        }
        return link.Expires < clock.GetUtcNow()
            ? (null, $"This confirmation link expired on {link.Expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC. Ask the tenant's admin to send a new one.")
            : (link, null);
    }
}
