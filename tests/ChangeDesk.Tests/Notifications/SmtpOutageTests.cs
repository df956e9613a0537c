using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Notifications;

/// <summary>The SMTP server down or refusing: retries with backoff, dead letters, and a manual retry.</summary>
public sealed class SmtpOutageTests(SmtpFixture app) : IClassFixture<SmtpFixture>, IAsyncLifetime
{
    static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Whatever a test did to the server, the next one finds it running and accepting.</summary>
    public async ValueTask DisposeAsync()
    {
        app.Sink.Mode = SinkMode.Accept;
        await app.Sink.StartAsync();
    }

    [Fact]
    public async Task MailQueuedWhileTheServerIsDownIsSentOnceAfterTheBackoffWhenItIsBack()
    {
        var provider = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(3);
        await app.Sink.StopAsync();

        await release.AnnounceAsync(app.Spec(tenant));

        var failedAt = app.Clock.GetUtcNow();
        var pending = await Poll.ForAsync(() => provider.OutboxAsync(tenant.Emails, "pending"),
            rows => rows.Count == 3 && rows.All(r => r.LastError is not null) && rows.Count(r => r.Attempts == 1) == 1,
            what: "3 pending rows: one failed attempt, the others deferred without spending an attempt");
        Assert.All(pending, r =>
        {
            Assert.Equal("pending", r.State);
            Assert.False(string.IsNullOrWhiteSpace(r.LastError));
            // First retry after 5 s with ±20 % jitter.
            Assert.InRange(r.DueAt, failedAt + 0.8 * SmtpFixture.FirstRetry, failedAt + 1.2 * SmtpFixture.FirstRetry);
        });
        Assert.DoesNotContain(app.Sink.All, m => tenant.Emails.Contains(m.To));

        await app.Sink.StartAsync();
        await Poll.WhileAdvancingAsync(app.Clock, Step, async () => (await provider.OutboxAsync(tenant.Emails, "sent")).Count == 3,
            what: "the 3 emails to be sent once the server is back");

        var sent = await provider.OutboxAsync(tenant.Emails, "sent");
        // The row that met the outage spent an attempt on it; the rows deferred with it did not.
        Assert.Equal([1, 1, 2], sent.Select(r => r.Attempts).Order());
        Assert.Equal(tenant.Emails.Order(), app.Sink.AcceptedFor(tenant.Emails).Select(m => m.To).Order());
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, await app.OutboxRowsAsync(tenant.Emails));
    }

    [Fact]
    public async Task MailTheServerKeepsRefusingBecomesADeadLetterThatARetryDeliversOnce()
    {
        var provider = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(2);
        app.Sink.Mode = SinkMode.RefuseMailbox;

        await release.AnnounceAsync(app.Spec(tenant));

        var first = await Poll.ForAsync(() => provider.OutboxAsync(tenant.Emails, "pending"),
            rows => rows.Count == 2 && rows.All(r => r.Attempts == 1), what: "the first refusal");
        var second = await PollAdvancingForAsync(() => provider.OutboxAsync(tenant.Emails, "pending"),
            rows => rows.Count == 2 && rows.All(r => r.Attempts == 2), "the second refusal");
        foreach (var row in second)
        {
            // Exponential backoff: the second wait is twice the first (10 s ± 20 %), counted from the second attempt.
            var due1 = first.Single(r => r.Id == row.Id).DueAt;
            Assert.True(row.DueAt - due1 >= 0.8 * 2 * SmtpFixture.FirstRetry, $"second retry due {row.DueAt:O}, first was due {due1:O}");
            Assert.True(row.DueAt - app.Clock.GetUtcNow() <= 1.2 * 2 * SmtpFixture.FirstRetry);
        }
        var dead = await PollAdvancingForAsync(() => provider.OutboxAsync(tenant.Emails, "dead"), rows => rows.Count == 2, "two dead letters");
        Assert.All(dead, r =>
        {
            Assert.Equal(SmtpFixture.MaxAttempts, r.Attempts);
            Assert.NotNull(r.DeadAt);
            Assert.Contains("unavailable", r.LastError, StringComparison.OrdinalIgnoreCase);
        });
        Assert.Empty(await provider.OutboxAsync(tenant.Emails, "pending"));
        // Every attempt reached the server and was refused; none was accepted.
        Assert.Equal(2 * SmtpFixture.MaxAttempts, app.Sink.All.Count(m => tenant.Emails.Contains(m.To)));
        Assert.Empty(app.Sink.AcceptedFor(tenant.Emails));

        // A dead letter stays dead, however much time passes.
        var refusedSoFar = app.Sink.All.Count(m => tenant.Emails.Contains(m.To));
        app.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(2, (await provider.OutboxAsync(tenant.Emails, "dead")).Count);

        app.Sink.Mode = SinkMode.Accept;
        foreach (var row in dead)
        {
            await Expect.StatusAsync(await provider.PostJsonAsync($"/api/outbox/{row.Id}/retry"), 204);
        }
        // A retry is due at once: no clock movement needed.
        await Poll.UntilAsync(async () => (await provider.OutboxAsync(tenant.Emails, "sent")).Count == 2, what: "the retried dead letters to be sent");
        Assert.Equal(refusedSoFar + 2, app.Sink.All.Count(m => tenant.Emails.Contains(m.To)));
        Assert.Equal(tenant.Emails.Order(), app.Sink.AcceptedFor(tenant.Emails).Select(m => m.To).Order());
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, await app.OutboxRowsAsync(tenant.Emails));
        await Expect.StatusAsync(await provider.PostJsonAsync($"/api/outbox/{dead[0].Id}/retry"), 404);
    }

    async Task<List<OutboxView>> PollAdvancingForAsync(Func<Task<List<OutboxView>>> read, Func<List<OutboxView>, bool> condition, string what)
    {
        List<OutboxView> value = [];
        await Poll.WhileAdvancingAsync(app.Clock, Step, async () => condition(value = await read()), what: what);
        return value;
    }
}
