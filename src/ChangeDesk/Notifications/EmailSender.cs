using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using MailKit.Net.Smtp;
using MimeKit;

namespace ChangeDesk.Notifications;

/// <summary>
/// Sends the email outbox over <see cref="EmailOptions.Connections"/> SMTP connections at once. Each message is marked
/// sent as soon as the server accepts it, and shutting down waits for the messages in flight, so a stop mid-batch
/// neither loses nor repeats mail.
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
        // One connection per lane, kept for the whole backlog: connecting and greeting for every batch cost as much as the batch.
        var lanes = Enumerable.Range(0, Math.Max(1, email.Connections)).Select(_ => new EmailTransport(email, environment)).ToArray();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                List<OutboxMessage> batch;
                using (var scope = scopes.CreateScope())
                {
                    scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("email sender");
                    var store = scope.ServiceProvider.GetRequiredService<OutboxStore>();
                    batch = await store.ClaimAsync(Channels.Email, stoppingToken);
                    if (batch.Count == 0)
                    {
                        var next = await store.NextDueAsync(Channels.Email, stoppingToken);
                        var until = next is { } due ? due - clock.GetUtcNow() : outbox.PollInterval;
                        return until <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : until < outbox.PollInterval ? until : outbox.PollInterval;
                    }
                }
                // The batch is dealt round the lanes; each lane sends its share in order and marks each message as it goes.
                await Task.WhenAll(lanes.Select((transport, lane) =>
                    SendAsync(transport, batch.Where((_, i) => i % lanes.Length == lane).ToList(), stoppingToken)));
            }
            return outbox.PollInterval;
        }
        finally
        {
            foreach (var transport in lanes)
            {
                await transport.DisposeAsync();
            }
        }
    }

    async Task SendAsync(EmailTransport transport, List<OutboxMessage> rows, CancellationToken stoppingToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        // A scope (and so a DbContext) per lane: the lanes run at the same time.
        using var scope = scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("email sender");
        var store = scope.ServiceProvider.GetRequiredService<OutboxStore>();
        var oneWriter = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>().Database.IsSqlite();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (stoppingToken.IsCancellationRequested)
            {
                // Stopping: hand the rest back at once instead of letting their lease run out.
                await WriteAsync(oneWriter, () => store.ReleaseAsync(rows.Skip(i), CancellationToken.None));
                return;
            }
            var ours = false;
            await WriteAsync(oneWriter, async () => ours = await store.RenewAsync(row, CancellationToken.None));
            if (!ours)
            {
                continue; // the batch outlasted its lease and another sender has this row now
            }
            MimeMessage mime;
            try
            {
                mime = ToMime(row);
            }
            catch (Exception e) when (e is ParseException or FormatException or ArgumentException)
            {
                // A message that cannot be built (a malformed address) never will be: park it at once, so it
                // neither fails the rest of the batch nor blocks every later batch once its lease runs out.
                logger.LogError("Email {Id} to {To} cannot be built: {Error}", row.Id, row.Recipient, e.Message);
                await WriteAsync(oneWriter, () => store.MarkDeadAsync(row, $"The email cannot be built: {e.Message}", CancellationToken.None));
                continue;
            }
            try
            {
                // The message in flight is finished even during shutdown: cancelling mid-DATA could leave the
                // server holding a message we would then send again.
                await transport.SendAsync(mime, CancellationToken.None);
                await WriteAsync(oneWriter, () => store.MarkSentAsync(row, CancellationToken.None));
            }
            catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException
                                          or MailKit.Security.AuthenticationException or TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("Email {Id} to {To} failed (attempt {Attempt}): {Error}", row.Id, row.Recipient, row.Attempts + 1, e.Message);
                await WriteAsync(oneWriter, () => store.MarkFailedAsync(row, e.Message, CancellationToken.None));
                if (e is not SmtpCommandException)
                {
                    // The server cannot be reached: the rest of this lane waits as long as the failed row, without
                    // spending attempts on messages that were never tried (a long outage must not dead-letter them).
                    await WriteAsync(oneWriter, () => store.DeferAsync(rows.Skip(i + 1), outbox.RetryDelay(row.Attempts + 1, Random.Shared.NextDouble()),
                        e.Message, CancellationToken.None));
                    return;
                }
            }
        }
    }

    readonly SemaphoreSlim sqliteWriter = new(1, 1);

    /// <summary>
    /// SQLite takes one writer at a time and Microsoft.Data.Sqlite waits out a busy database by sleeping between
    /// retries, so lanes that collide lose far more than they gain: on SQLite they take turns to write. PostgreSQL
    /// commits them side by side (and flushes them to disk together).
    /// </summary>
    async Task WriteAsync(bool oneWriter, Func<Task> write)
    {
        if (!oneWriter)
        {
            await write();
            return;
        }
        await sqliteWriter.WaitAsync(CancellationToken.None);
        try
        {
            await write();
        }
        finally
        {
            sqliteWriter.Release();
        }
    }

    MimeMessage ToMime(OutboxMessage row)
    {
        var message = new MimeMessage
        {
            MessageId = row.EmailMessageId,
            Subject = row.Subject ?? "",
            Date = row.CreatedAt,
        };
        message.From.Add(MailboxAddress.Parse(email.From));
        message.To.Add(new MailboxAddress(row.RecipientName ?? "", row.Recipient));
        message.Headers.Add("X-ChangeDesk-Event", row.EventType);
        var body = new BodyBuilder { TextBody = row.Body, HtmlBody = row.HtmlBody };
        message.Body = body.ToMessageBody();
        return message;
    }
}
