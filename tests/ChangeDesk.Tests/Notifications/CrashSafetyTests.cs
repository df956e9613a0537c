using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Stopping the service in the middle of a batch loses no email and sends none twice.</summary>
public sealed class CrashSafetyTests
{
    [Fact]
    public async Task StoppingMidBatchAndStartingANewInstanceOnTheSameDatabaseSendsEveryEmailExactlyOnce()
    {
        var directory = ChangeDeskFactory.NewDataDirectory();
        var clock = new FakeTimeProvider(ChangeDeskFactory.Start);
        await using var sink = await SmtpSink.StartNewAsync();
        try
        {
            var first = await SmtpFixture.StartAsync(sink, directory, clock);
            List<string> recipients;
            var stopped = false;
            try
            {
                var release = await first.CreateUserAsync(Role.ReleaseManager);
                var tenants = new List<TenantPeople>();
                for (var i = 0; i < 4; i++)
                {
                    tenants.Add(await first.TenantAsync(10));
                }
                recipients = tenants.SelectMany(t => t.Emails).ToList();
                sink.Hold = true;

                await release.AnnounceAsync(first.Spec(tenants));
                Assert.Equal(40, (await first.OutboxRowsAsync(recipients)).Count);

                // Let the server answer the first 15 one by one, then hold the 16th in the middle of DATA.
                const int answered = 15;
                for (var i = 1; i <= answered; i++)
                {
                    await Poll.UntilAsync(() => sink.HeldCount >= i, what: $"message {i} at the server");
                    sink.Release();
                    await Poll.UntilAsync(() => sink.Accepted.Count == i, what: $"message {i} to be accepted");
                }
                await Poll.UntilAsync(() => sink.HeldCount == answered + 1, what: "the next message in flight");
                // Accepted mail is marked sent while the next message is still in flight (the marks are written in
                // batches, a moment after the server took them), and nothing else is.
                await Poll.UntilAsync(async () => (await first.OutboxRowsAsync(recipients)).Count(r => r.SentAt is not null) == answered,
                    what: $"the {answered} accepted emails to be marked sent");
                Assert.Equal(answered + 1, sink.HeldCount);
                Assert.Equal(answered, (await first.OutboxRowsAsync(recipients)).Count(r => r.SentAt is not null));

                // Stop the host while that message is in flight. The stop waits for it, so keep answering whatever
                // the sender still gets to send until the host is down.
                var stopping = first.DisposeAsync().AsTask();
                while (!stopping.IsCompleted)
                {
                    sink.ReleaseHeld();
                    await Task.WhenAny(stopping, Task.Delay(50, TestContext.Current.CancellationToken));
                }
                await stopping;
                stopped = true;
            }
            finally
            {
                if (!stopped)
                {
                    sink.Hold = false;
                    sink.ReleaseHeld();
                    await first.DisposeAsync();
                }
            }
            sink.Hold = false;
            var beforeRestart = sink.Accepted.Count;
            TestContext.Current.TestOutputHelper?.WriteLine($"{beforeRestart} of 40 emails were accepted before the stop.");
            Assert.True(beforeRestart is > 15 and < 40, $"The stop should interrupt the batch, but {beforeRestart} of 40 emails were accepted before it.");

            // A new instance on the same database, same clock (not moved: no lease has to run out) and same server.
            await using var second = await SmtpFixture.StartAsync(sink, directory, clock);
            var rows = await second.SettledRowsAsync(recipients, 40);
            await Poll.UntilAsync(() => sink.Accepted.Count >= 40, what: "all 40 emails at the server");

            Assert.All(rows, r => Assert.NotNull(r.SentAt));
            Assert.All(rows, r => Assert.Equal(1, r.Attempts));
            Assert.Equal(40, sink.Accepted.Count);
            Assert.Equal(40, sink.Accepted.Select(m => m.MessageId).Distinct().Count());
            Assert.Equal(recipients.Order(StringComparer.OrdinalIgnoreCase), sink.Accepted.Select(m => m.To).Order(StringComparer.OrdinalIgnoreCase));
            NotificationScenario.AssertEachAcceptedOnce(sink, rows);
        }
        finally
        {
            ChangeDeskFactory.DeleteDataDirectory(directory);
        }
    }
}
