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
        var shared = await tenant.Admin.AddAddressAsync();
        var actBy = app.Clock.GetUtcNow().AddDays(6);
        var change = await release.AnnounceAsync(app.Spec(tenant) with { AdminActionRequired = true, ActionRequiredBy = actBy });

        var recipients = tenant.Emails.Append(shared).ToList();
        var rows = await app.SettledRowsAsync(recipients, 4);
        Assert.All(rows, r => Assert.NotNull(r.SentAt));
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
        Assert.Equal(4, mine.Count);
        Assert.Empty(Directory.GetFiles(app.PickupDirectory, "*.tmp"));
    }
}
