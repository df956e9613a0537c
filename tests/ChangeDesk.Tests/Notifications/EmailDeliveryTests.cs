using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Who gets which email when a change is announced or edited, as received by a real SMTP server.</summary>
public sealed class EmailDeliveryTests(SmtpFixture app) : IClassFixture<SmtpFixture>
{
    [Fact]
    public async Task AnnouncingToThreeTenantsMailsEachOfTheirPeopleAndExtraAddressOnceAndNobodyElse()
    {
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var targeted = new[] { await app.TenantAsync(2), await app.TenantAsync(2), await app.TenantAsync(2) };
        var bystander = await app.TenantAsync(2);
        var shared = await app.AddConfirmedAddressAsync(targeted[0].Admin);
        var actBy = app.Clock.GetUtcNow().AddDays(6);
        var spec = app.Spec(targeted) with { AdminActionRequired = true, ActionRequiredBy = actBy };

        var change = await release.AnnounceAsync(spec);

        var expected = targeted.SelectMany(t => t.Emails).Append(shared).ToList();
        var everyone = expected.Concat(bystander.Emails).ToList();
        Assert.Equal(7, expected.Count);
        // The shared address also had its confirmation email, before the announcement.
        var rows = await app.SettledRowsAsync(everyone, expected.Count + 1);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(everyone).Count >= expected.Count + 1, what: "7 emails and a confirmation at the SMTP server");
        var confirmation = Assert.Single(rows, r => r.EventType == ExtraAddresses.ConfirmationEvent);
        Assert.Equal(shared, confirmation.Recipient);

        var mails = app.Sink.AcceptedFor(everyone).Where(m => m.MessageId != $"{confirmation.Id:n}@changedesk").ToList();
        Assert.Equal(expected.Count, mails.Count);
        Assert.Equal(expected.Order(StringComparer.OrdinalIgnoreCase), mails.Select(m => m.To).Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected.Count, mails.Select(m => m.MessageId).Distinct().Count());
        Assert.DoesNotContain(app.Sink.All, m => bystander.Emails.Contains(m.To, StringComparer.OrdinalIgnoreCase));
        var subject = $"[ChangeDesk] {change.MessageId}: {spec.Title} (act by {actBy.UtcDateTime:yyyy-MM-dd})";
        Assert.All(mails, m =>
        {
            Assert.Equal(subject, m.Message.Subject);
            Assert.Equal([m.To], m.Envelope.Select(e => e.ToLowerInvariant()));
            Assert.Equal(WebhookEvents.MessagePosted, m.Message.Headers["X-ChangeDesk-Event"]);
            Assert.Contains(spec.Title, m.Message.TextBody);
        });
        // The Message-ID names the outbox row, so a resend of the same row would be recognisable.
        Assert.Equal(rows.Where(r => r != confirmation).Select(r => $"{r.Id:n}@changedesk").Order(), mails.Select(m => m.MessageId).Order());
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, rows);
    }

    [Fact]
    public async Task ModeOffGetsNothingAndACategoryFilterOnlyGetsItsCategory()
    {
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(3);
        var (everyPost, off, fixesOnly) = (tenant.Admin, tenant.Readers[0], tenant.Readers[1]);
        await off.SetPreferencesAsync(new { mode = "off" });
        await fixesOnly.SetPreferencesAsync(new { mode = "immediately", categories = new[] { "preventOrFixIssue" } });

        var plan = await release.AnnounceAsync(app.Spec(tenant) with { AdminActionRequired = true });
        var fix = await release.AnnounceAsync(app.Spec(tenant) with { Category = "preventOrFixIssue" });

        var rows = await app.SettledRowsAsync(tenant.Emails, 3);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(tenant.Emails).Count >= 3, what: "3 emails at the SMTP server");
        var mails = app.Sink.AcceptedFor(tenant.Emails);
        Assert.Equal(3, mails.Count);
        string[] both = [$"[ChangeDesk] {fix.MessageId}: {fix.Title}", $"[ChangeDesk] {plan.MessageId}: {plan.Title}"];
        Assert.Equal(both.Order(), mails.Where(m => m.To == everyPost.Email).Select(m => m.Message.Subject).Order());
        Assert.Equal([$"[ChangeDesk] {fix.MessageId}: {fix.Title}"], mails.Where(m => m.To == fixesOnly.Email).Select(m => m.Message.Subject));
        Assert.DoesNotContain(app.Sink.All, m => m.To == off.Email);
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, rows);
    }

    [Fact]
    public async Task UpdatesAreMailedForPostsThatNeedActionAndOtherwiseOnlyToThoseWhoWantAllUpdates()
    {
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(2);
        var (byDefault, allUpdates) = (tenant.Admin, tenant.Readers[0]);
        await allUpdates.SetPreferencesAsync(new { mode = "immediately", allUpdates = true });

        var informSpec = app.Spec(tenant);
        var inform = await release.AnnounceAsync(informSpec);
        var actSpec = app.Spec(tenant) with { AdminActionRequired = true };
        var act = await release.AnnounceAsync(actSpec);
        await app.SettledRowsAsync(tenant.Emails, 4);

        var informEdit = informSpec with { Title = informSpec.Title + " (revised)" };
        await release.EditAsync(inform.Id, informEdit);
        var actEdit = actSpec with { Description = "The settings move, **and** the defaults change." };
        await release.EditAsync(act.Id, actEdit);

        // Posted: 2 × 2. Updated: the post without action to the one who wants all updates; the one with action to both.
        var rows = await app.SettledRowsAsync(tenant.Emails, 7);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(tenant.Emails).Count >= 7, what: "7 emails at the SMTP server");
        var updates = app.Sink.AcceptedFor(tenant.Emails).Where(m => (m.Message.Subject ?? "").StartsWith("[ChangeDesk] Updated:", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            new[] { $"[ChangeDesk] Updated: {act.MessageId}: {actSpec.Title}", $"[ChangeDesk] Updated: {inform.MessageId}: {informEdit.Title}" }.Order(),
            updates.Where(m => m.To == allUpdates.Email).Select(m => m.Message.Subject).Order());
        Assert.Equal([$"[ChangeDesk] Updated: {act.MessageId}: {actSpec.Title}"], updates.Where(m => m.To == byDefault.Email).Select(m => m.Message.Subject));
        Assert.All(updates, m => Assert.Equal(WebhookEvents.MessageUpdated, m.Message.Headers["X-ChangeDesk-Event"]));
        Assert.Contains("What changed: body", updates.First(m => m.To == byDefault.Email).Message.TextBody ?? "");
        Assert.Equal(7, app.Sink.AcceptedFor(tenant.Emails).Count);
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, rows);
    }

    [Fact]
    public async Task TakingATenantOffAnAnnouncedChangeAndPuttingItBackWorksAndDoesNotMailThePostTwice()
    {
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var (kept, toggled) = (await app.TenantAsync(1), await app.TenantAsync(2));
        var spec = app.Spec(kept, toggled);
        var change = await release.AnnounceAsync(spec);
        var everyone = kept.Emails.Concat(toggled.Emails).ToList();
        await app.SettledRowsAsync(everyone, 3);

        await release.EditAsync(change.Id, spec with { Tenants = [kept.Tenant.Id] });
        await release.EditAsync(change.Id, spec);

        // The post is the same version the toggled tenant was already mailed about: nothing new to send.
        var rows = await app.SettledRowsAsync(everyone, 3);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(everyone).Count >= 3, what: "the 3 emails of the announcement");
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, rows);
        // And the tenant sees the post again.
        await Expect.StatusAsync(await toggled.Admin.Client.GetAsync($"/api/message-center/messages/{change.MessageId}", TestContext.Current.CancellationToken), 200);
    }
}
