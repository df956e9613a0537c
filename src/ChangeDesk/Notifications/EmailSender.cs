using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using MailKit.Net.Smtp;
using MimeKit;

namespace ChangeDesk.Notifications;

/// <summary>
/// Sends the email outbox over one SMTP connection, kept open while there is mail. A message accepted by the server is
/// marked sent (one UPDATE by primary key, committed) before the next one is sent, so a crash can repeat only the one
/// message in flight; the claimed batch's lease is renewed while the sender works (<see cref="OutboxLease"/>), so the
/// rows of a sender that died wait a short lease, not minutes. Shutting down waits for the message in flight and marks
/// it, so a stop neither loses nor repeats mail.
/// </summary>
public sealed class EmailSender(
    IServiceScopeFactory scopes, OutboxWakeUp wakeUp, OutboxOptions outbox, EmailOptions email, IHostEnvironment environment,
    TimeProvider clock, ILogger<EmailSender> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicJob.RunAsync(RunOnceAsync, outbox.PollInterval, (wait, ct) => wakeUp.WaitAsync(Channels.Email, wait, clock, ct), logger, "Email outbox", stoppingToken);

    /// <summary>Sends everything due; returns how long to sleep before the next pass.</summary>
    async Task<TimeSpan> RunOnceAsync(CancellationToken stoppingToken)
    {
        using var scope = scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("email sender");
        var store = scope.ServiceProvider.GetRequiredService<OutboxStore>();
        await using var transport = new EmailTransport(email, environment);
        SentMarks? marks = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var batch = await store.ClaimAsync(Channels.Email, stoppingToken);
                if (batch.Count == 0)
                {
                    var next = await store.NextDueAsync(Channels.Email, stoppingToken);
                    var until = next is { } due ? due - clock.GetUtcNow() : outbox.PollInterval;
                    return until <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : until < outbox.PollInterval ? until : outbox.PollInterval;
                }
                await using var lease = new OutboxLease(batch, scopes, outbox, clock, logger);
                marks ??= await SentMarks.OpenAsync(scopes, CancellationToken.None);
                if (!await SendBatchAsync(batch, transport, store, marks, lease, stoppingToken))
                {
                    break;
                }
            }
            return outbox.PollInterval;
        }
        finally
        {
            if (marks is not null)
            {
                await marks.DisposeAsync();
            }
        }
    }

    /// <summary>Sends a claimed batch in order; false when the pass should end (stopping, or the server is unreachable).</summary>
    async Task<bool> SendBatchAsync(
        List<OutboxMessage> batch, EmailTransport transport, OutboxStore store, SentMarks marks, OutboxLease lease, CancellationToken stoppingToken)
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
                var rest = batch.Skip(i).ToList();
                await lease.SettleAsync(rest, () => store.ReleaseAsync(rest, CancellationToken.None));
                return false;
            }
            // Skip a row another sender has taken over (this one stalled past its lease): it must not be sent twice.
            if (!await lease.HoldsAsync(row, store))
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
                await lease.SettleAsync(row, () => store.MarkDeadAsync(row, $"The email cannot be built: {e.Message}", CancellationToken.None));
                continue;
            }
            try
            {
                // The message in flight is finished even during shutdown: cancelling mid-DATA could leave the
                // server holding a message we would then send again.
                await transport.SendAsync(mime, CancellationToken.None);
            }
            catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException
                                          or MailKit.Security.AuthenticationException or TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("Email {Id} to {To} failed (attempt {Attempt}): {Error}", row.Id, row.Recipient, row.Attempts + 1, e.Message);
                await lease.SettleAsync(row, () => store.MarkFailedAsync(row, e.Message, CancellationToken.None));
                if (e is not SmtpCommandException)
                {
                    // The server cannot be reached: the rest of the batch waits as long as the failed row, without
                    // spending attempts on messages that were never tried (a long outage must not dead-letter them).
                    var rest = batch.Skip(i + 1).ToList();
                    await lease.SettleAsync(rest, () => store.DeferAsync(rest, outbox.RetryDelay(row.Attempts + 1, Random.Shared.NextDouble()),
                        e.Message, CancellationToken.None));
                    return false;
                }
                continue;
            }
            // Committed before the next message goes out: a crash repeats at most the one message the server had
            // accepted when the process died. If this write fails, the pass fails and nothing more is sent.
            await lease.SettleAsync(row, () => marks.MarkAsync(row, clock.GetUtcNow()));
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
}
