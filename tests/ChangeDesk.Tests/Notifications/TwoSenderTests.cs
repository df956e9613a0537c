using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Two instances of the service on one database, both sending email: each email goes out once.</summary>
public sealed class TwoSenderTests
{
    static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);

    sealed class AsyncCallback(Action action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            action();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task TwoInstancesSendingFromOneOutboxSendEachEmailExactlyOnce()
    {
        var directory = ChangeDeskFactory.NewDataDirectory();
        var clock = new FakeTimeProvider(ChangeDeskFactory.Start);
        await using var sink = await SmtpSink.StartNewAsync();
        // Small batches, so the two senders claim from the same rows again and again; a long lease, as the clock
        // is moved while messages are held at the server.
        static Dictionary<string, string> Settings(string name) => new()
        {
            ["Outbox:BatchSize"] = "3",
            ["Outbox:Lease"] = "01:00:00",
            ["Email:From"] = $"ChangeDesk {name} <{name}@changedesk.test>",
        };
        try
        {
            await using var a = await SmtpFixture.StartAsync(sink, directory, clock, Settings("a"));
            await using var b = await SmtpFixture.StartAsync(sink, directory, clock, Settings("b"));
            // On failure, let held messages go before the hosts stop (a stop waits for the message in flight).
            await using var unhold = new AsyncCallback(() => { sink.Hold = false; sink.ReleaseHeld(); });
            var releaseA = await a.CreateUserAsync(Role.ReleaseManager);
            var releaseB = await b.CreateUserAsync(Role.ReleaseManager);
            var tenants = new List<TenantPeople>();
            for (var i = 0; i < 5; i++)
            {
                tenants.Add(await (i % 2 == 0 ? a : b).TenantAsync(4));
            }
            var recipients = tenants.SelectMany(t => t.Emails).ToList();

            // Each instance announces a change to all 5 tenants, so each instance's sender is woken by its own
            // commit: 2 × 20 emails. The server holds messages until both senders have one in flight. The clock
            // flows meanwhile: a sender that loses a claim race sleeps a second of service time before it looks again.
            sink.Hold = true;
            await Task.WhenAll(releaseA.AnnounceAsync(a.Spec(tenants)), releaseB.AnnounceAsync(b.Spec(tenants)));
            await Poll.WhileAdvancingAsync(clock, Step, () => Task.FromResult(sink.Arrived.Select(m => m.From.Mailboxes.Single().Address).Distinct().Count() == 2),
                what: "both instances to have a message in flight");
            sink.Hold = false;
            sink.ReleaseHeld();

            await Poll.WhileAdvancingAsync(clock, Step, async () => (await a.OutboxRowsAsync(recipients)).Count(r => r.SentAt is not null) == 40,
                what: "all 40 emails to be sent");
            var rows = await a.OutboxRowsAsync(recipients);

            Assert.All(rows, r => Assert.NotNull(r.SentAt));
            Assert.All(rows, r => Assert.Equal(1, r.Attempts));
            Assert.Equal(40, sink.Accepted.Count);
            Assert.Equal(40, sink.Accepted.Select(m => m.MessageId).Distinct().Count());
            var bySender = sink.Accepted.GroupBy(m => m.Message.From.Mailboxes.Single().Address).ToDictionary(g => g.Key, g => g.Count());
            TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", bySender.Select(kv => $"{kv.Key}: {kv.Value}")));
            Assert.Equal(2, bySender.Count);
            NotificationScenario.AssertEachAcceptedOnce(sink, rows);
            // Each person got both posts, once each.
            Assert.All(recipients, r => Assert.Equal(2, sink.Accepted.Count(m => m.To == r)));
        }
        finally
        {
            ChangeDeskFactory.DeleteDataDirectory(directory);
        }
    }

    /// <summary>
    /// A slow server: a batch takes longer than the lease it was claimed with. The sender renews the lease of the rows
    /// it still holds while it works, so the other instance takes none of them, and each email goes out once.
    /// </summary>
    [Fact]
    public async Task ABatchOutlastingItsFirstLeaseKeepsItsRowsBecauseTheSenderRenewsTheLease()
    {
        var directory = ChangeDeskFactory.NewDataDirectory();
        var clock = new FakeTimeProvider(ChangeDeskFactory.Start);
        await using var sink = await SmtpSink.StartNewAsync();
        static Dictionary<string, string> Settings(string name) => new()
        {
            ["Outbox:BatchSize"] = "10",
            ["Outbox:Lease"] = "00:00:30",
            ["Outbox:LeaseRenewal"] = "00:00:05",
            ["Email:From"] = $"ChangeDesk {name} <{name}@changedesk.test>",
        };
        try
        {
            await using var a = await SmtpFixture.StartAsync(sink, directory, clock, Settings("a"));
            await using var b = await SmtpFixture.StartAsync(sink, directory, clock, Settings("b"));
            await using var unhold = new AsyncCallback(() => { sink.Hold = false; sink.ReleaseHeld(); });
            var release = await a.CreateUserAsync(Role.ReleaseManager);
            var tenant = await a.TenantAsync(10);
            sink.Hold = true;
            var claimedAt = clock.GetUtcNow();

            await release.AnnounceAsync(a.Spec(tenant));

            // Instance a claims all 10 at once; each message then takes the server 5 s, 50 s in all.
            for (var i = 1; i <= 10; i++)
            {
                await Poll.UntilAsync(() => sink.HeldCount >= i, what: $"message {i} at the server");
                clock.Advance(TimeSpan.FromSeconds(5));
                sink.Release();
            }
            sink.Hold = false;
            await Poll.UntilAsync(async () => (await a.OutboxRowsAsync(tenant.Emails)).All(r => r.SentAt is not null), what: "all 10 emails to be sent");

            Assert.True(clock.GetUtcNow() > claimedAt + TimeSpan.FromSeconds(45));
            var rows = await a.OutboxRowsAsync(tenant.Emails);
            Assert.Equal(10, rows.Count);
            NotificationScenario.AssertEachAcceptedOnce(sink, rows);
            Assert.Equal(10, sink.Accepted.Count);
            Assert.All(sink.Arrived, m => Assert.Equal("a@changedesk.test", m.From.Mailboxes.Single().Address));
        }
        finally
        {
            ChangeDeskFactory.DeleteDataDirectory(directory);
        }
    }

    /// <summary>
    /// A sender that stalled past its lease finds, at its next renewal, that another instance has taken some of its
    /// rows: it sends the rows it still holds and not the others, which the other instance sends.
    /// </summary>
    [Fact]
    public async Task RowsTakenOverByAnotherInstanceAreNotSentByTheSenderThatLostThem()
    {
        await using var sink = await SmtpSink.StartNewAsync();
        await using var a = await SmtpFixture.StartAsync(sink, settings: new Dictionary<string, string>
        {
            ["Outbox:BatchSize"] = "10",
            ["Outbox:Lease"] = "00:00:30",
            ["Outbox:LeaseRenewal"] = "00:00:05",
        });
        await using var unhold = new AsyncCallback(() => { sink.Hold = false; sink.ReleaseHeld(); });
        var clock = a.Clock;
        var release = await a.CreateUserAsync(Role.ReleaseManager);
        var tenant = await a.TenantAsync(10);
        sink.Hold = true;

        await release.AnnounceAsync(a.Spec(tenant));
        await Poll.UntilAsync(() => sink.HeldCount >= 1, what: "the first message at the server");
        var claimed = (await a.OutboxRowsAsync(tenant.Emails)).OrderBy(r => r.DueAt).ThenBy(r => r.Id).ToList();
        Assert.All(claimed, r => Assert.NotNull(r.LeaseOwner));
        var firstLease = claimed[0].LeaseUntil!.Value;
        // What another instance does when this one's lease has run out: it claims the last six rows.
        var taken = claimed.Skip(4).Select(r => r.Id).ToList();
        var theirs = clock.GetUtcNow() + TimeSpan.FromHours(1);
        await a.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Outbox.Where(o => taken.Contains(o.Id))
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.LeaseOwner, "another-instance").SetProperty(o => o.LeaseUntil, theirs)));

        // The next renewal finds four of ten rows still held.
        clock.Advance(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(async () => (await a.OutboxRowsAsync(tenant.Emails)).Where(r => !taken.Contains(r.Id)).All(r => r.LeaseUntil > firstLease),
            what: "the renewal of the rows still held");
        sink.Hold = false;
        sink.ReleaseHeld();
        await Poll.UntilAsync(async () => (await a.OutboxRowsAsync(tenant.Emails)).Count(r => r.SentAt is not null) == 4, what: "the four rows still held to be sent");

        // The other instance "finishes" its claim by giving the rows up; this instance then sends them, once.
        await a.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Outbox.Where(o => taken.Contains(o.Id))
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTimeOffset?)null)));
        await Poll.WhileAdvancingAsync(clock, TimeSpan.FromSeconds(1), async () => (await a.OutboxRowsAsync(tenant.Emails)).All(r => r.SentAt is not null),
            what: "all 10 emails to be sent");
        var rows = await a.OutboxRowsAsync(tenant.Emails);
        NotificationScenario.AssertEachAcceptedOnce(sink, rows);
        Assert.Equal(10, sink.Accepted.Count);
    }
}
