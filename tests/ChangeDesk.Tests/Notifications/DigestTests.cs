using System.Globalization;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Preferences;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Daily digests at the tenant's local digest time, in winter, in summer and across the spring DST switch.</summary>
public sealed class DigestTests
{
    /// <param name="postedAt">When the posts are announced (UTC).</param>
    /// <param name="previousSlot">08:00 Berlin on the day of the posts, before them (UTC).</param>
    /// <param name="nextSlot">08:00 Berlin the next day (UTC): the digest is due then.</param>
    /// <param name="slotAfter">08:00 Berlin the day after (UTC).</param>
    [Theory]
    [InlineData("2026-03-02T09:00:00Z", "2026-03-02T07:00:00Z", "2026-03-03T07:00:00Z", "2026-03-04T07:00:00Z")] // CET, UTC+1
    [InlineData("2026-07-06T09:00:00Z", "2026-07-06T06:00:00Z", "2026-07-07T06:00:00Z", "2026-07-08T06:00:00Z")] // CEST, UTC+2
    [InlineData("2026-03-28T09:00:00Z", "2026-03-28T07:00:00Z", "2026-03-29T06:00:00Z", "2026-03-30T06:00:00Z")] // 29 March: clocks go forward
    public async Task ADailyDigestUserGetsOneDigestAfterEightBerlinTimeListingThePostsSinceTheLastOne(
        string postedAt, string previousSlot, string nextSlot, string slotAfter)
    {
        var (posted, previous, next, after) = (Utc(postedAt), Utc(previousSlot), Utc(nextSlot), Utc(slotAfter));
        await using var sink = await SmtpSink.StartNewAsync();
        await using var app = await SmtpFixture.StartAsync(sink);
        if (posted > app.Clock.GetUtcNow())
        {
            app.Clock.SetUtcNow(posted);
        }
        Assert.Equal(posted, app.Clock.GetUtcNow());
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(2);
        var (immediate, digest) = (tenant.Admin, tenant.Readers[0]);
        var settings = await tenant.Admin.PutJsonAsync("/api/notifications/tenant-settings", new { timeZone = "Europe/Berlin", digestTime = "08:00" });
        await Expect.StatusAsync(settings, 200);
        await digest.SetPreferencesAsync(new { mode = "daily-digest" });

        var first = await release.AnnounceAsync(app.Spec(tenant));
        var second = await release.AnnounceAsync(app.Spec(tenant) with { AdminActionRequired = true });

        // The admin is mailed at once; the digest user is not.
        await app.SettledRowsAsync(tenant.Emails, 2);
        await Poll.UntilAsync(() => sink.AcceptedFor([immediate.Email]).Count == 2, what: "the admin's 2 immediate emails");
        Assert.Empty(await app.OutboxRowsAsync([digest.Email]));

        // Just before 08:00 Berlin time the job runs, settles the day before (nothing posted then), and sends nothing.
        app.Clock.SetUtcNow(next - TimeSpan.FromMinutes(2));
        await Poll.WhileAdvancingAsync(app.Clock, TimeSpan.FromSeconds(1), async () => await LastDigestAsync(digest) == previous,
            notAfter: next - TimeSpan.FromSeconds(1), what: $"the digest job to settle the {previous:O} slot");
        Assert.Empty(await app.OutboxRowsAsync([digest.Email]));

        // Past 08:00 Berlin time: one digest with both posts.
        app.Clock.SetUtcNow(next + TimeSpan.FromSeconds(30));
        await Poll.WhileAdvancingAsync(app.Clock, TimeSpan.FromSeconds(1), async () => await LastDigestAsync(digest) == next,
            notAfter: next + TimeSpan.FromMinutes(30), what: $"the digest for the {next:O} slot");
        // The sender may have begun its sleep on the service clock just after the jump: let time flow, as it would.
        await Poll.WhileAdvancingAsync(app.Clock, TimeSpan.FromSeconds(1), async () => (await app.OutboxRowsAsync([digest.Email])) is [{ SentAt: not null }],
            notAfter: next + TimeSpan.FromMinutes(30), what: "the digest to be sent");
        await Poll.UntilAsync(() => sink.AcceptedFor([digest.Email]).Count == 1, what: "the digest at the SMTP server");
        var mail = sink.AcceptedFor([digest.Email]).Single();
        Assert.Equal($"[ChangeDesk] Daily digest for {tenant.Tenant.Name}: 2 post(s)", mail.Message.Subject);
        Assert.Equal("digest.daily", mail.Message.Headers["X-ChangeDesk-Event"]);
        foreach (var change in new[] { first, second })
        {
            Assert.Contains($"{change.MessageId} {change.Title}", mail.Message.TextBody);
            Assert.Contains($"{change.MessageId} {change.Title}", mail.Message.HtmlBody);
        }

        // Another day without posts: the job settles the slot and sends nothing.
        app.Clock.SetUtcNow(after + TimeSpan.FromSeconds(30));
        await Poll.WhileAdvancingAsync(app.Clock, TimeSpan.FromSeconds(1), async () => await LastDigestAsync(digest) == after,
            notAfter: after + TimeSpan.FromMinutes(30), what: $"the digest job to settle the {after:O} slot");
        Assert.Single(await app.OutboxRowsAsync([digest.Email]));
        Assert.Single(sink.All, m => m.To == digest.Email);
    }

    static DateTimeOffset Utc(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    static async Task<DateTimeOffset?> LastDigestAsync(TestUser user) =>
        (await user.GetJsonAsync<PreferenceView>("/api/notifications/preferences")).LastDigestAt;
}
