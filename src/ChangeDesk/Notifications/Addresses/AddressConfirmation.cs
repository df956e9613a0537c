using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications.Addresses;

/// <summary>What the owner of a mailbox sees before confirming: the address and the tenant whose email it would get.</summary>
public sealed record ConfirmationView(Guid AddressId, string Email, string TenantName, bool IsConfirmed);

/// <summary>
/// The owner of an extra address confirming, through the signed link mailed to it, that it wants the tenant's
/// email. Anonymous: the mailbox has no account, and the link is the proof that its owner read the email. A link
/// confirms the one address it was made for, and only while that address is still on the tenant's list.
/// </summary>
public sealed class AddressConfirmation(ChangeDeskDb db, CurrentUser user, TimeProvider clock, AddressConfirmationLinks links)
{
    public async Task<ConfirmationView> ReadAsync(string token, CancellationToken ct)
    {
        var (pref, _) = await AddressOfAsync(token, ct);
        return await ViewAsync(pref, ct);
    }

    public async Task<ConfirmationView> ConfirmAsync(string token, CancellationToken ct)
    {
        // The audit names the mailbox's owner, who has no account, as the one who confirmed.
        if (links.Read(token).Link is { } link && !user.IsAuthenticated)
        {
            user.ActAsSystem($"{link.Email} (confirmation link)");
        }
        var confirmed = await db.WriteAsync("Confirm notification address", async () =>
        {
            var (pref, _) = await AddressOfAsync(token, ct);
            pref.Confirm(clock.GetUtcNow());
            return pref;
        }, ct);
        return await ViewAsync(confirmed, ct);
    }

    async Task<(NotificationPreference Address, AddressLink Link)> AddressOfAsync(string token, CancellationToken ct)
    {
        var (link, refusal) = links.Read(token);
        if (link is null)
        {
            throw new ProblemException(StatusCodes.Status400BadRequest, "confirmation-link-invalid", "This confirmation link cannot be used.", refusal!);
        }
        var pref = await db.NotificationPreferences.IgnoreQueryFilters()
            .FirstOrDefaultAsync(p => p.Id == link.AddressId && p.UserId == null && p.Email == link.Email, ct);
        return pref is null
            ? throw new ProblemException(StatusCodes.Status404NotFound, "confirmation-address-removed", "This address is no longer on the list.",
                $"{link.Email} was removed from the tenant's extra addresses, so there is nothing to confirm: it receives none of the tenant's email.")
            : (pref, link);
    }

    async Task<ConfirmationView> ViewAsync(NotificationPreference pref, CancellationToken ct)
    {
        var tenant = await db.Tenants.IgnoreQueryFilters().AsNoTracking().Where(t => t.Id == pref.TenantId).Select(t => t.Name).FirstAsync(ct);
        return new ConfirmationView(pref.Id, pref.Email!, tenant, pref.ConfirmedAt is not null);
    }
}
