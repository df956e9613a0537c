using ChangeDesk.Changes;
using Microsoft.AspNetCore.DataProtection;

namespace ChangeDesk.Approvals;

/// <summary>
/// Signed, expiring links to answer an approval from an email. The link only identifies the request: the
/// person following it must still sign in and be allowed to answer for the tenant.
/// </summary>
public sealed class ApprovalLinks(IDataProtectionProvider protection, ServiceOptions service, TimeProvider clock)
{
    // The expiry travels inside the protected payload and is checked against the service's clock.
    readonly IDataProtector protector = protection.CreateProtector("ChangeDesk.ApprovalLinks");

    public string LinkFor(int changeId, Guid tenant, DateTimeOffset expires) =>
        service.LinkTo($"/approvals/respond/{protector.Protect($"{changeId}:{tenant}:{expires.UtcTicks}")}");

    /// <summary>Reads a link's token; null when it was tampered with or has expired.</summary>
    public (int ChangeId, Guid TenantId)? Read(string token)
    {
        try
        {
            var parts = protector.Unprotect(token).Split(':');
            var expires = new DateTimeOffset(long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);
            return expires < clock.GetUtcNow() ? null : (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), Guid.Parse(parts[1]));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
