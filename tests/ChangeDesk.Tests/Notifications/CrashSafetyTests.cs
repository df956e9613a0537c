using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Notifications;

/// <summary>
/// Stopping the service in the middle of a batch loses no email and sends none twice; killing it (kill -9) loses none and
/// repeats at most the one email in flight, and another instance takes over its rows within the short lease.
/// </summary>
public sealed class CrashSafetyTests
{
    /// <summary>The real service with its background jobs off: it makes the database and the outbox, and reads it back.</summary>
    sealed class QuietService : ChangeDeskFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("BackgroundJobs:Enabled", "false");
        }
    }

    static readonly TimeSpan Lease = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task KillingSendingProcessesRepeatsAtMostTheEmailInFlightAndTheNextInstanceTakesOverWithinTheLease()
    {
        const int emails = 100;
        const int kills = 4;
        const int perProcess = 10;
        await using var sink = await SmtpSink.StartNewAsync();
        await using var app = new QuietService();
        await app.InitializeAsync();
        var rows = await app.AsSystemAsync(async s =>
        {
            var db = s.GetRequiredService<ChangeDeskDb>();
            // Due in real time: the processes below run on the real clock, not the test's.
            var now = DateTimeOffset.UtcNow.AddMinutes(-1);
            var content = new EmailContent { Text = "The settings move to the new console.", Html = "<p>The settings move.</p>", CreatedAt = now };
            db.EmailContents.Add(content);
            var queued = Enumerable.Range(0, emails).Select(i => new OutboxMessage
            {
                Channel = Channels.Email,
                EventType = "change.announced",
                Recipient = $"crash-{i:D3}-{Guid.NewGuid():n}@example.test",
                Subject = $"Settings move {i}",
                Body = "",
                ContentId = content.Id,
                DedupKey = Guid.NewGuid().ToString("n"),
                CreatedAt = now,
                DueAt = now,
            }).ToList();
            db.Outbox.AddRange(queued);
            await db.SaveChangesAsync();
            return queued;
        });
        var recipients = rows.Select(r => r.Recipient).ToList();
        Dictionary<string, string> Settings(int n) => new(app.DatabaseSettings)
        {
            ["Database:MigrateOnStart"] = "false",
            ["DataProtection:KeysPath"] = Path.Combine(app.DataDirectory, "keys"),
            ["Email:SmtpHost"] = "127.0.0.1",
            ["Email:SmtpPort"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Security"] = "none",
            ["Email:From"] = $"ChangeDesk {n} <p{n}@changedesk.test>",
            ["Outbox:Lease"] = Lease.ToString(),
            ["Outbox:LeaseRenewal"] = "00:00:01",
        };
        static string Sender(ReceivedMail m) => m.Message.From.Mailboxes.Single().Address;
        bool SentBy(int n) => sink.Arrived.Any(m => m.From.Mailboxes.Single().Address == $"p{n}@changedesk.test");
        var log = TestContext.Current.TestOutputHelper;
        var processes = new List<ServiceProcess>();
        try
        {
            // Process 1 claims the whole outbox; the server holds its first message.
            sink.Hold = true;
            processes.Add(ServiceProcess.Start(Settings(1)));
            await Poll.UntilAsync(() => SentBy(1), what: "process 1 to send");
            var claimed = await app.OutboxRowsAsync(recipients);
            Assert.All(claimed, r => Assert.NotNull(r.LeaseOwner));
            var firstLeaseEnd = claimed.Max(r => r.LeaseUntil!.Value);

            for (var round = 1; round <= kills; round++)
            {
                var victim = processes[^1];
                var next = ServiceProcess.Start(Settings(round + 1));
                processes.Add(next);
                await next.StartedAsync();
                if (round == 1)
                {
                    // Process 1 is stuck at a slow server past the lease it claimed with: it renews, so process 2 takes nothing.
                    await Poll.UntilAsync(() => DateTimeOffset.UtcNow > firstLeaseEnd + TimeSpan.FromSeconds(1), what: "the first lease to run out");
                    Assert.False(SentBy(2), "Process 2 sent rows that process 1 holds and renews.");
                    Assert.All(await app.OutboxRowsAsync(recipients), r => Assert.True(r.SentAt is null && r.LeaseUntil > firstLeaseEnd,
                        "Process 1 did not renew the lease of the rows it holds."));
                }

                // Let the victim send freely; kill it as its server accepts its perProcess-th message (before it hears 250).
                var killed = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
                var count = 0;
                var victimAddress = $"p{round}@changedesk.test";
                sink.Accepting = m =>
                {
                    if (Sender(m) == victimAddress && ++count == perProcess)
                    {
                        sink.Hold = true;
                        victim.Kill();
                        killed.TrySetResult(DateTime.UtcNow);
                    }
                };
                sink.Hold = false;
                sink.ReleaseHeld();
                var killedAt = await killed.Task.WaitAsync(Poll.DefaultTimeout, TestContext.Current.CancellationToken);
                sink.Accepting = null;

                // The next process takes over the dead one's rows once their lease runs out: within seconds.
                await Poll.UntilAsync(() => SentBy(round + 1), Lease + TimeSpan.FromSeconds(10), $"process {round + 1} to take over after kill {round}");
                var pickup = DateTime.UtcNow - killedAt;
                log?.WriteLine($"kill {round}: process {round + 1} sent within {pickup.TotalSeconds:0.0} s of the kill");
                Assert.True(pickup < Lease + TimeSpan.FromSeconds(3), $"Process {round + 1} took {pickup.TotalSeconds:0.0} s to take over (lease {Lease.TotalSeconds} s).");
            }

            // The last process drains the rest.
            sink.Hold = false;
            sink.ReleaseHeld();
            var settled = await Poll.ForAsync(() => app.OutboxRowsAsync(recipients), r => r.All(o => o.SentAt is not null), what: "every email to be marked sent");

            var accepted = sink.AcceptedFor(recipients);
            var byId = accepted.GroupBy(m => m.MessageId).ToDictionary(g => g.Key, g => g.OrderBy(m => m.Sequence).ToList());
            Assert.All(settled, r => Assert.True(byId.ContainsKey(r.EmailMessageId), $"{r.EmailMessageId} was lost."));
            Assert.Equal(emails, byId.Count);
            var repeated = byId.Values.Where(copies => copies.Count > 1).ToList();
            log?.WriteLine($"{accepted.Count} accepted for {emails} emails; repeated: {string.Join(", ", repeated.Select(c => $"{c[0].MessageId} first from {Sender(c[0])}"))}");
            Assert.All(repeated, copies => Assert.Equal(2, copies.Count));
            for (var n = 1; n <= kills; n++)
            {
                var fromKilled = repeated.Count(c => Sender(c[0]) == $"p{n}@changedesk.test");
                Assert.True(fromKilled <= 1, $"{fromKilled} emails sent by killed process {n} were sent again (at most the one in flight may be).");
            }
            Assert.True(repeated.Count <= kills, $"{repeated.Count} emails were sent twice after {kills} kills.");
        }
        finally
        {
            sink.Accepting = null;
            sink.Hold = false;
            sink.ReleaseHeld();
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

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
