using System.Threading.Channels;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using MailKit.Net.Smtp;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace ChangeDesk.Notifications;

/// <summary>
/// Sends the email outbox over one SMTP connection, kept open while there is mail. A message accepted by the server is
/// marked sent by <see cref="SentMarks"/> while the next one is on the wire, and every mark of a batch is written before
/// the next batch is claimed, so a crash resends at most the batch in flight; shutting down waits for the message in
/// flight and writes the marks, so a stop neither loses nor repeats mail.
/// </summary>
public sealed class EmailSender(
    IServiceScopeFactory scopes, OutboxSignal signal, OutboxOptions outbox, EmailOptions email, IHostEnvironment environment,
    TimeProvider clock, ILogger<EmailSender> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Email outbox pass failed; retrying in {Delay}", outbox.PollInterval);
                wait = outbox.PollInterval;
            }
            try
            {
                await signal.WaitAsync(Channels.Email, wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends everything due; returns how long to sleep before the next pass.</summary>
    async Task<TimeSpan> RunOnceAsync(CancellationToken stoppingToken)
    {
        using var scope = scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("email sender");
        var store = scope.ServiceProvider.GetRequiredService<OutboxStore>();
        var writes = new Writes(scope.ServiceProvider.GetRequiredService<ChangeDeskDb>().Database.IsSqlite());
        // Declared after the transport, so disposed before it: the marks are written before the connection closes.
        await using var transport = new EmailTransport(email, environment);
        await using var marks = new SentMarks(scopes, writes);
        while (!stoppingToken.IsCancellationRequested)
        {
            var batch = await writes.RunAsync(() => store.ClaimAsync(Channels.Email, stoppingToken));
            if (batch.Count == 0)
            {
                var next = await store.NextDueAsync(Channels.Email, stoppingToken);
                var until = next is { } due ? due - clock.GetUtcNow() : outbox.PollInterval;
                return until <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : until < outbox.PollInterval ? until : outbox.PollInterval;
            }
            if (!await SendBatchAsync(batch, transport, store, marks, writes, stoppingToken))
            {
                break;
            }
            // The batch's marks are written before the next claim: what a crash can resend is bounded by a batch.
            await marks.FlushAsync();
        }
        return outbox.PollInterval;
    }

    /// <summary>Sends a claimed batch in order; false when the pass should end (stopping, or the server is unreachable).</summary>
    async Task<bool> SendBatchAsync(
        List<OutboxMessage> batch, EmailTransport transport, OutboxStore store, SentMarks marks, Writes writes, CancellationToken stoppingToken)
    {
        if (bodies.Count > 1000)
        {
            bodies.Clear();
        }
        var missing = batch.Where(r => r.ContentId is { } id && !bodies.ContainsKey(id)).Select(r => r.ContentId!.Value).Distinct().ToList();
        var contents = await store.ContentsAsync(missing, stoppingToken);
        for (var i = 0; i < batch.Count; i++)
        {
            var row = batch[i];
            if (stoppingToken.IsCancellationRequested)
            {
                // Stopping: hand the rest back at once instead of letting their lease run out.
                await writes.RunAsync(() => store.ReleaseAsync(batch.Skip(i), CancellationToken.None));
                return false;
            }
            // A slow server can make a batch outlast the lease it was claimed with: renew a row's lease before sending it
            // once less than half is left, and skip a row another sender has taken over since.
            if (store.LeaseRunningOut(row) && !await writes.RunAsync(() => store.RenewAsync(row, CancellationToken.None)))
            {
                continue;
            }
            MimeMessage mime;
            try
            {
                mime = ToMime(row, contents);
            }
            catch (Exception e) when (e is ParseException or FormatException or ArgumentException)
            {
                // A message that cannot be built (a malformed address) never will be: park it at once, so it
                // neither fails the rest of the batch nor blocks every later batch once its lease runs out.
                logger.LogError("Email {Id} to {To} cannot be built: {Error}", row.Id, row.Recipient, e.Message);
                await writes.RunAsync(() => store.MarkDeadAsync(row, $"The email cannot be built: {e.Message}", CancellationToken.None));
                continue;
            }
            try
            {
                // The message in flight is finished even during shutdown: cancelling mid-DATA could leave the
                // server holding a message we would then send again.
                await transport.SendAsync(mime, CancellationToken.None);
                marks.Add(row);
            }
            catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException
                                          or MailKit.Security.AuthenticationException or TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("Email {Id} to {To} failed (attempt {Attempt}): {Error}", row.Id, row.Recipient, row.Attempts + 1, e.Message);
                await writes.RunAsync(() => store.MarkFailedAsync(row, e.Message, CancellationToken.None));
                if (e is not SmtpCommandException)
                {
                    // The server cannot be reached: the rest of the batch waits as long as the failed row, without
                    // spending attempts on messages that were never tried (a long outage must not dead-letter them).
                    await writes.RunAsync(() => store.DeferAsync(batch.Skip(i + 1), outbox.RetryDelay(row.Attempts + 1, Random.Shared.NextDouble()),
                        e.Message, CancellationToken.None));
                    return false;
                }
            }
        }
        return true;
    }

    MailboxAddress? from;

    /// <summary>Bodies of recent email contents, ready to write; an announce's contents are sent one after another.</summary>
    readonly Dictionary<Guid, MimeEntity> bodies = [];

    MimeMessage ToMime(OutboxMessage row, Dictionary<Guid, EmailContent> contents)
    {
        from ??= MailboxAddress.Parse(email.From);
        var message = new MimeMessage
        {
            MessageId = row.EmailMessageId,
            Subject = row.Subject ?? "",
            Date = row.CreatedAt,
        };
        message.From.Add(from);
        message.To.Add(new MailboxAddress(row.RecipientName ?? "", row.Recipient));
        message.Headers.Add("X-ChangeDesk-Event", row.EventType);
        if (row.ContentId is not { } id)
        {
            // Queued before email contents existed: the body is on the row.
            message.Body = new BodyBuilder { TextBody = row.Body, HtmlBody = row.HtmlBody }.ToMessageBody();
            return message;
        }
        if (!bodies.TryGetValue(id, out var body))
        {
            var content = contents.GetValueOrDefault(id) ?? throw new InvalidOperationException($"The content {id} of email {row.Id} is missing.");
            body = Encoded(new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html }.ToMessageBody());
            bodies[id] = body;
        }
        message.Body = body;
        return message;
    }

    /// <summary>
    /// The body with its parts already in their transfer encoding (quoted-printable or base64): MimeKit writes such
    /// content as it is, where a freshly built part is encoded again every time it is written.
    /// </summary>
    static MimeEntity Encoded(MimeEntity body)
    {
        body.Prepare(EncodingConstraint.SevenBit);
        using var buffer = new MemoryStream();
        body.WriteTo(buffer);
        buffer.Position = 0;
        return MimeEntity.Load(buffer);
    }

    /// <summary>
    /// The sender's writes to the database. SQLite takes one writer at a time, and Microsoft.Data.Sqlite waits out a busy
    /// database by sleeping between retries, so the sender's own writers (claims and marks) take turns there instead.
    /// PostgreSQL runs them side by side.
    /// </summary>
    sealed class Writes(bool oneAtATime)
    {
        readonly SemaphoreSlim turn = new(1, 1);

        public async Task<T> RunAsync<T>(Func<Task<T>> write)
        {
            if (!oneAtATime)
            {
                return await write();
            }
            await turn.WaitAsync(CancellationToken.None);
            try
            {
                return await write();
            }
            finally
            {
                turn.Release();
            }
        }

        public Task RunAsync(Func<Task> write) => RunAsync(async () =>
        {
            await write();
            return true;
        });
    }

    /// <summary>
    /// Marks accepted messages as sent, many per statement: a write gathers what the server accepted in the next moment
    /// (<see cref="Gather"/>, or until <see cref="MaxPerWrite"/> are waiting, or a flush is asked for), so mail that
    /// trickles in is marked right after the server took it and a backlog is marked a batch at a time. If a write fails,
    /// sending stops (<see cref="Add"/> throws) rather than sending mail that could not be marked.
    /// </summary>
    sealed class SentMarks : IAsyncDisposable
    {
        static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);
        const int MaxPerWrite = 100;

        readonly Channel<OutboxMessage> accepted = Channel.CreateUnbounded<OutboxMessage>(new UnboundedChannelOptions { SingleReader = true });
        readonly IServiceScopeFactory scopes;
        readonly Writes writes;
        readonly Task writer;
        readonly Lock gate = new();
        long added;
        long written;
        TaskCompletionSource progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource flushWanted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SentMarks(IServiceScopeFactory scopes, Writes writes)
        {
            this.scopes = scopes;
            this.writes = writes;
            writer = Task.Run(WriteAsync);
        }

        public void Add(OutboxMessage row)
        {
            if (writer.IsFaulted)
            {
                writer.GetAwaiter().GetResult();
            }
            Interlocked.Increment(ref added);
            accepted.Writer.TryWrite(row);
        }

        /// <summary>Waits until every mark added so far is written.</summary>
        public async Task FlushAsync()
        {
            var target = Interlocked.Read(ref added);
            lock (gate)
            {
                flushWanted.TrySetResult();
            }
            while (Interlocked.Read(ref written) < target)
            {
                Task next;
                lock (gate)
                {
                    next = progress.Task;
                }
                if (Interlocked.Read(ref written) >= target)
                {
                    break;
                }
                await Task.WhenAny(next, writer);
                if (writer.IsFaulted)
                {
                    await writer;
                }
            }
        }

        async Task WriteAsync()
        {
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("email sender");
            var store = scope.ServiceProvider.GetRequiredService<OutboxStore>();
            var rows = new List<OutboxMessage>();
            try
            {
                while (await accepted.Reader.WaitToReadAsync())
                {
                    Task flush;
                    lock (gate)
                    {
                        flush = flushWanted.Task;
                    }
                    if (!flush.IsCompleted && Interlocked.Read(ref added) - Interlocked.Read(ref written) < MaxPerWrite)
                    {
                        await Task.WhenAny(flush, Task.Delay(Gather), accepted.Reader.Completion);
                    }
                    lock (gate)
                    {
                        if (flushWanted.Task.IsCompleted)
                        {
                            flushWanted = new(TaskCreationOptions.RunContinuationsAsynchronously);
                        }
                    }
                    while (accepted.Reader.TryRead(out var row))
                    {
                        rows.Add(row);
                    }
                    await writes.RunAsync(() => store.MarkSentAsync(rows, CancellationToken.None));
                    Interlocked.Add(ref written, rows.Count);
                    rows.Clear();
                    Signal();
                }
            }
            finally
            {
                Signal();
            }
        }

        void Signal()
        {
            TaskCompletionSource done;
            lock (gate)
            {
                done = progress;
                progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            done.TrySetResult();
        }

        public async ValueTask DisposeAsync()
        {
            accepted.Writer.TryComplete();
            await writer;
        }
    }
}
