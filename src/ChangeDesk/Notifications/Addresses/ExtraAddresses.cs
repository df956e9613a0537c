using ChangeDesk.Data;
using ChangeDesk.Notifications.Preferences;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications.Addresses;

public enum AddressStatus
{
    /// <summary>Added by an admin; its owner has not yet followed the confirmation link, so it receives nothing else.</summary>
    Pending,
    Confirmed,
}

public sealed record AddressView(
    Guid Id, string Email, AddressStatus Status, DateTimeOffset? ConfirmedAt, DeliveryMode Mode, IReadOnlyList<string> Categories,
    IReadOnlyList<string> Severities, IReadOnlyList<string> Services, bool MajorChangesOnly, bool AllUpdates, DateTimeOffset? LastDigestAt)
{
    public static AddressView Of(NotificationPreference p) => new(p.Id, p.Email!, p.ConfirmedAt is null ? AddressStatus.Pending : AddressStatus.Confirmed,
        p.ConfirmedAt, p.Mode, p.Categories, p.Severities, p.Services, p.MajorChangesOnly, p.AllUpdates, p.LastDigestAt);
}

/// <summary>
/// A tenant's extra addresses (shared mailboxes), managed by its tenant admins. An address added here receives
/// the tenant's email only once its owner has confirmed it through the signed link mailed to it
/// (<see cref="AddressConfirmation"/>); the confirmation emails to one address are limited per period.
/// </summary>
public sealed class ExtraAddresses(
    ChangeDeskDb db, CurrentUser user, TimeProvider clock, Notifier notifier, AddressConfirmationLinks links, ExtraAddressOptions options)
{
    public const string ConfirmationEvent = "address.confirmation";

    Guid TenantAdminTenant() =>
        user.Is(Role.TenantAdmin) && user.TenantId is { } t ? t : throw new ForbiddenException("Only a tenant admin manages the tenant's email settings.");

    public async Task<List<AddressView>> ListAsync(CancellationToken ct)
    {
        var tenant = TenantAdminTenant();
        return (await db.NotificationPreferences.AsNoTracking().Where(p => p.TenantId == tenant && p.UserId == null).OrderBy(p => p.Email).ToListAsync(ct))
            .Select(AddressView.Of).ToList();
    }

    public Task<AddressView> AddAsync(PreferenceInput input, CancellationToken ct)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        var tenant = TenantAdminTenant();
        var email = input.Email?.Trim().ToLowerInvariant() ?? "";
        // MailAddress also accepts "Name <addr>" and "name addr@host" (reading a display name): only a bare
        // address, one that parses to itself, can be mailed.
        if (email.Length is 0 or > 320 || !System.Net.Mail.MailAddress.TryCreate(email, out var parsed)
            || !string.Equals(parsed.Address, email, StringComparison.OrdinalIgnoreCase) || parsed.DisplayName.Length > 0)
        {
            throw ValidationFailedException.For("email", "Give a valid email address (for example a shared mailbox).");
        }
        // Two adds of one address at once: the unique address per tenant makes the later one run again, and find the first.
        return db.WriteAsync("Add notification address", async () =>
        {
            if (await db.NotificationPreferences.AnyAsync(p => p.TenantId == tenant && p.Email == email, ct))
            {
                throw new ConflictException("duplicate-address", $"{email} already receives this tenant's email.");
            }
            var pref = new NotificationPreference { TenantId = tenant, Email = email };
            input.ApplyTo(pref);
            await QueueConfirmationAsync(pref, tenant, ct);
            db.NotificationPreferences.Add(pref);
            return AddressView.Of(pref);
        }, ct);
    }

    /// <summary>Mails the confirmation link again, within the limit of confirmation emails per address and period.</summary>
    public Task<AddressView> ResendConfirmationAsync(Guid id, CancellationToken ct)
    {
        var tenant = TenantAdminTenant();
        return db.WriteAsync("Resend address confirmation", async () =>
        {
            var pref = await OwnAsync(id, tenant, ct);
            if (pref.ConfirmedAt is not null)
            {
                throw new ConflictException("address-confirmed", $"{pref.Email} is already confirmed; it receives the tenant's email.");
            }
            await QueueConfirmationAsync(pref, tenant, ct);
            return AddressView.Of(pref);
        }, ct);
    }

    public Task RemoveAsync(Guid id, CancellationToken ct)
    {
        var tenant = TenantAdminTenant();
        return db.WriteAsync("Remove notification address", async () => db.NotificationPreferences.Remove(await OwnAsync(id, tenant, ct)), ct);
    }

    /// <summary>The tenant's address, locked until the write commits: two re-sends at once count each other's email.</summary>
    async Task<NotificationPreference> OwnAsync(Guid id, Guid tenant, CancellationToken ct) =>
        await db.NotificationPreferences.ForUpdate().FirstOrDefaultAsync(p => p.Id == id && p.TenantId == tenant && p.UserId == null, ct)
        ?? throw new NotFoundException("Address", id);

    /// <summary>
    /// Queues the confirmation email through the outbox, in the caller's transaction. The outbox is also the count of
    /// what was sent: the limit holds for the address, whether the email was re-sent or the address removed and added again.
    /// </summary>
    async Task QueueConfirmationAsync(NotificationPreference pref, Guid tenant, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var email = pref.Email!;
        var since = now - options.ConfirmationPeriod;
        var sent = await db.Outbox.AsNoTracking()
            .Where(o => o.TenantId == tenant && o.Channel == Channels.Email && o.EventType == ConfirmationEvent && o.Recipient == email && o.CreatedAt > since)
            .Select(o => o.CreatedAt).ToListAsync(ct);
        if (sent.Count >= options.MaxConfirmationEmails)
        {
            var next = sent.Min() + options.ConfirmationPeriod;
            throw new ProblemException(StatusCodes.Status429TooManyRequests, "confirmation-email-limit", "Too many confirmation emails to this address.",
                $"At most {options.MaxConfirmationEmails} confirmation emails go to one address per {Period(options.ConfirmationPeriod)}, "
                + $"and {email} has had them: the next can be sent after {next.UtcDateTime:yyyy-MM-dd HH:mm} UTC.")
            {
                Extensions = { ["retryAfter"] = next },
            };
        }
        var tenantName = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant).Select(t => t.Name).FirstAsync(ct);
        var expires = now + options.ConfirmationLinkLifetime;
        var message = EmailTemplates.AddressConfirmation(tenantName, email, links.LinkFor(pref.Id, email, expires), expires);
        notifier.Email(ConfirmationEvent, email, null, tenant, null, null, message, $"{pref.Id:n}:{Guid.NewGuid():n}", now);
    }

    static string Period(TimeSpan period) => period.TotalHours == Math.Floor(period.TotalHours)
        ? $"{period.TotalHours:0} hour{(period.TotalHours == 1 ? "" : "s")}"
        : period.ToString();
}
