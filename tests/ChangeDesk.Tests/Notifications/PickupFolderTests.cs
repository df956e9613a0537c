using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using MimeKit;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Without an SMTP server, mail is written as .eml files into the pickup folder.</summary>
public sealed class PickupFolderTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task AnnouncingWritesOneParseableEmlFilePerRecipientNamedByItsOutboxId()
    {
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(3);
        var shared = await app.AddConfirmedAddressAsync(tenant.Admin);
        var actBy = app.Clock.GetUtcNow().AddDays(6);
        var change = await release.AnnounceAsync(app.Spec(tenant) with { AdminActionRequired = true, ActionRequiredBy = actBy });

        var recipients = tenant.Emails.Append(shared).ToList();
        // The shared address also had its confirmation email, before the announcement.
        var settled = await app.SettledRowsAsync(recipients, 5);
        Assert.All(settled, r => Assert.NotNull(r.SentAt));
        var confirmation = Assert.Single(settled, r => r.EventType == ExtraAddresses.ConfirmationEvent);
        var rows = settled.Where(r => r != confirmation).ToList();
        var subject = $"[ChangeDesk] {change.MessageId}: {change.Title} (act by {actBy.UtcDateTime:yyyy-MM-dd})";
        foreach (var row in rows)
        {
            var file = Path.Combine(app.PickupDirectory, $"{row.Id:n}.eml");
            Assert.True(File.Exists(file), $"{file} is missing");
            var message = await MimeMessage.LoadAsync(file, TestContext.Current.CancellationToken);
            Assert.Equal(row.Recipient, Assert.Single(message.To.Mailboxes).Address, ignoreCase: true);
            Assert.Equal(subject, message.Subject);
            Assert.Equal($"{row.Id:n}@changedesk", message.MessageId);
            Assert.Contains(change.Title, message.TextBody);
            Assert.Contains(change.Title, message.HtmlBody);
        }
        // Nothing else for these people, and no half-written files.
        var mine = Directory.GetFiles(app.PickupDirectory, "*.eml")
            .Select(f => MimeMessage.Load(f))
            .Where(m => recipients.Contains(m.To.Mailboxes.Single().Address, StringComparer.OrdinalIgnoreCase))
            .ToList();
        Assert.Equal(5, mine.Count);
        Assert.Equal(4, mine.Count(m => m.Subject == subject));
        Assert.Empty(Directory.GetFiles(app.PickupDirectory, "*.tmp"));
    }
}
