using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
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
    /// A slow server: a batch takes longer than the lease, so the other instance takes over the rows whose
    /// lease ran out. The first instance must not send those rows as well, nor may the message it is sending
    /// be taken from it.
    /// </summary>
    [Fact]
    public async Task ABatchOutlastingItsLeaseIsNotSentTwiceWhenTheOtherInstanceTakesOver()
    {
        var directory = ChangeDeskFactory.NewDataDirectory();
        var clock = new FakeTimeProvider(ChangeDeskFactory.Start);
        await using var sink = await SmtpSink.StartNewAsync();
        static Dictionary<string, string> Settings(string name) => new()
        {
            ["Outbox:BatchSize"] = "10",
            ["Outbox:Lease"] = "00:00:30",
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

            // Instance a claims all 10 at once; each message then takes the server 5 s.
            for (var i = 1; i <= 7; i++)
            {
                await Poll.UntilAsync(() => sink.HeldCount >= i, what: $"message {i} from instance a");
                clock.Advance(TimeSpan.FromSeconds(5));
                sink.Release();
            }
            Assert.True(clock.GetUtcNow() > claimedAt + TimeSpan.FromSeconds(30));
            Assert.All(sink.Arrived.Take(7), m => Assert.Equal("a@changedesk.test", m.From.Mailboxes.Single().Address));
            // a is sending its 8th message; the lease of the batch has run out. b looks again and takes over.
            await Poll.WhileAdvancingAsync(clock, TimeSpan.FromSeconds(1),
                () => Task.FromResult(sink.Arrived.Any(m => m.From.Mailboxes.Single().Address == "b@changedesk.test")),
                what: "instance b to send a row whose lease ran out");
            sink.Hold = false;
            sink.ReleaseHeld();

            await Poll.WhileAdvancingAsync(clock, TimeSpan.FromSeconds(1), async () => (await a.OutboxRowsAsync(tenant.Emails)).All(r => r.SentAt is not null),
                what: "all 10 emails to be sent");
            var rows = await a.OutboxRowsAsync(tenant.Emails);
            Assert.Equal(10, rows.Count);
            NotificationScenario.AssertEachAcceptedOnce(sink, rows);
            Assert.Equal(10, sink.Accepted.Count);
        }
        finally
        {
            ChangeDeskFactory.DeleteDataDirectory(directory);
        }
    }
}
