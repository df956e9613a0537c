using System.Diagnostics;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using MailKitSmtp = MailKit.Net.Smtp.SmtpClient;

namespace ChangeDesk.Bench;

/// <summary>
/// Scenario 2: the service's EmailSender drains an outbox of announcement emails into an SMTP sink in this
/// process; the baseline sends the same messages with MailKit over one connection, without the database.
/// </summary>
public static class EmailBench
{
    public sealed record Options(string Provider, string? Postgres, int Emails, string? Out, TimeSpan Limit);

    public static async Task RunAsync(Options o)
    {
        await using var sink = SmtpSink.Start();
        var now = DateTimeOffset.UtcNow;
        var (contents, rows) = Rows(o.Emails, now);
        var texts = contents.ToDictionary(c => c.Id);
        TimeSpan drain;
        TimeSpan drainCpu;
        long commands;
        int delivered;
        bool complete;
        string label;
        await using (var database = await BenchDatabase.CreateAsync(o.Provider, o.Postgres, "email"))
        {
            label = database.Label;
            var probe = new DbProbe();
            await using var app = await BenchHost.BuildAsync(database, backgroundJobs: true, probe,
                "--Email:SmtpHost=127.0.0.1", $"--Email:SmtpPort={sink.Port}", "--Email:Security=none");
            using (var scope = app.Services.CreateScope())
            {
                scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("bench");
                var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
                var seeding = await Bulk.WriteAsync(db, [BulkRows.For(db, contents), BulkRows.For(db, rows)]);
                Console.WriteLine($"[email {label}] {o.Emails:#,0} emails queued in {Report.Seconds(seeding)}; starting the service's senders");
            }
            var before = probe.Commands;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            await app.StartAsync();
            while (sink.Count < o.Emails && watch.Elapsed < o.Limit)
            {
                await Task.Delay(20);
            }
            while (await UnsentAsync(app) > 0 && watch.Elapsed < o.Limit)
            {
                await Task.Delay(20);
            }
            drain = watch.Elapsed;
            drainCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            commands = probe.Commands - before;
            delivered = sink.Count;
            await app.StopAsync();
            var unsent = await UnsentAsync(app);
            complete = unsent == 0;
            Console.WriteLine($"[email {label}] sink received {delivered:#,0} in {Report.Seconds(drain)}; {unsent:#,0} unsent; {commands:#,0} SQL commands");
            if (sink.Count != o.Emails - unsent)
            {
                throw new InvalidOperationException($"Emails were lost or sent twice: {sink.Count} received, {o.Emails - unsent} marked sent, {o.Emails} queued.");
            }
        }

        // Baseline: the same messages, built and sent the same way, one connection, no database.
        var email = new EmailOptions();
        sink.Reset();
        using (var warm = new MailKitSmtp())
        {
            await warm.ConnectAsync("127.0.0.1", sink.Port, MailKit.Security.SecureSocketOptions.None);
            foreach (var row in rows.Take(200))
            {
                await warm.SendAsync(ToMime(row, texts[row.ContentId!.Value], email));
            }
            await warm.DisconnectAsync(true);
        }
        sink.Reset();
        var rawCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var raw = Stopwatch.StartNew();
        using (var client = new MailKitSmtp())
        {
            await client.ConnectAsync("127.0.0.1", sink.Port, MailKit.Security.SecureSocketOptions.None);
            foreach (var row in rows)
            {
                await client.SendAsync(ToMime(row, texts[row.ContentId!.Value], email));
            }
            await client.DisconnectAsync(true);
        }
        var rawTime = raw.Elapsed;
        var rawCpu = Process.GetCurrentProcess().TotalProcessorTime - rawCpuBefore;
        Console.WriteLine($"[email {label}] raw MailKit: {sink.Count:#,0} in {Report.Seconds(rawTime)}");

        var rate = delivered / drain.TotalSeconds;
        var rawRate = o.Emails / rawTime.TotalSeconds;
        var report = new Report().Heading($"2. Email throughput on {label}");
        report.Line($"{o.Emails:#,0} announcement emails (HTML and text, {Report.Mb(sink.Bytes / Math.Max(1, sink.Count) * o.Emails)} on the wire) "
            + "queued in the outbox, drained by the service's own `EmailSender` (host from `ChangeDeskApp.CreateBuilder`, default "
            + "`Outbox` options) into an SMTP server in the same process (SmtpServer 11.1.0, accepts and counts). Timed from host start "
            + "until the sink has every message and no outbox row is unsent. Baseline: the same messages built the same way and sent by "
            + "MailKit over one connection with no database, same run.").Line();
        // CPU time of the whole process (sender, database driver and sink alike) per email: a shared machine's load stretches
        // the wall-clock times, much less the work each email costs.
        static string PerEmail(TimeSpan cpu, int emails) => $"{cpu.TotalMilliseconds * 1000 / Math.Max(1, emails):#,0} µs";
        report.Table(["measurement", "time", "emails", "rate", "CPU per email"],
        [
            ["service: outbox → SMTP, marked sent", Report.Seconds(drain) + (complete ? "" : " (time limit)"), Report.N(delivered), Report.Rate(rate), PerEmail(drainCpu, delivered)],
            ["baseline: MailKit, one connection, no database", Report.Seconds(rawTime), Report.N(o.Emails), Report.Rate(rawRate), PerEmail(rawCpu, o.Emails)],
        ]);
        report.Table(["target", "measured", "target", ""],
        [
            ["emails per second", Report.Rate(rate), "≥ 2,000/s", Report.Met(rate >= 2000)],
            ["rate vs raw MailKit (same run)", Report.Percent(rate / rawRate), "(for reference)", ""],
        ]);
        report.Line(complete
            ? $"Every email arrived exactly once and every row was marked sent; the senders ran {commands:#,0} SQL commands ({commands / (double)o.Emails:0.00} per email)."
            : $"Stopped at the time limit ({o.Limit.TotalSeconds:0} s) with {delivered:#,0} of {o.Emails:#,0} sent, none twice; the rate is over that window. "
                + $"The senders ran {commands:#,0} SQL commands ({commands / (double)Math.Max(1, delivered):0.00} per email).").Line();
        await report.SaveAsync(o.Out);
    }

    static async Task<int> UnsentAsync(WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("bench");
        return await scope.ServiceProvider.GetRequiredService<ChangeDeskDb>().Outbox.CountAsync(r => r.Channel == Channels.Email && r.SentAt == null);
    }

    /// <summary>
    /// Announcement emails as the notifier writes them: one per person, three people per tenant, the tenant's body stored
    /// once as an email content they share.
    /// </summary>
    public static (List<EmailContent> Contents, List<OutboxMessage> Rows) Rows(int count, DateTimeOffset now)
    {
        var message = new Message
        {
            Id = "MC100001",
            Number = 100001,
            ChangeId = 1,
            Title = "Sharing defaults change for new sites",
            Category = MessageCategory.PlanForChange,
            Severity = MessageSeverity.Normal,
            Services = ["SharePoint Online", "Microsoft Teams"],
            Tags = [MessageTags.AdminImpact, MessageTags.FeatureUpdate],
            StartDateTime = now.AddDays(30),
            ActionRequiredByDateTime = now.AddDays(25),
            CreatedDateTime = now,
            LastModifiedDateTime = now,
            BodyMarkdown = "The default sharing policy of the managed service changes: new sites are shared with **members only**.\n\n- Existing sites keep their settings.\n- Site owners can still widen sharing for a site.\n- Guests keep access to content already shared with them.\n\nReview your tenant's defaults before the change starts, and tell your site owners.",
            BodyHtml = "<p>The default sharing policy of the managed service changes: new sites are shared with <strong>members only</strong>.</p>\n<ul>\n<li>Existing sites keep their settings.</li>\n<li>Site owners can still widen sharing for a site.</li>\n<li>Guests keep access to content already shared with them.</li>\n</ul>\n<p>Review your tenant's defaults before the change starts, and tell your site owners.</p>",
        };
        var contents = new List<EmailContent>(count / 3 + 1);
        var rows = new List<OutboxMessage>(count);
        EmailTemplates.Email? email = null;
        for (var i = 0; i < count; i++)
        {
            var tenant = i / 3;
            if (i % 3 == 0)
            {
                email = EmailTemplates.MessagePost(message, $"Tenant {tenant:D5}", "http://127.0.0.1:5080/message-center/MC100001",
                    "http://127.0.0.1:5080/account/notifications", isUpdate: false, changedFields: null);
                contents.Add(new EmailContent { Text = email.Text, Html = email.Html, CreatedAt = now });
            }
            var address = $"t{tenant:D5}-u{i % 3}@bench.test";
            rows.Add(new OutboxMessage
            {
                Channel = Channels.Email,
                EventType = WebhookEvents.MessagePosted,
                Recipient = address,
                RecipientName = $"Person {i % 3} of tenant {tenant:D5}",
                ChangeId = 1,
                MessageId = message.Id,
                Subject = email!.Subject,
                Body = "",
                ContentId = contents[^1].Id,
                DedupKey = $"email:{WebhookEvents.MessagePosted}:MC100001:v1:{address}",
                CreatedAt = now,
                DueAt = now.AddMinutes(-1),
            });
        }
        return (contents, rows);
    }

    /// <summary>The MIME message as a plain sender builds it: every message built and encoded on its own.</summary>
    static MimeMessage ToMime(OutboxMessage row, EmailContent content, EmailOptions email)
    {
        var message = new MimeMessage { MessageId = row.EmailMessageId, Subject = row.Subject ?? "", Date = row.CreatedAt };
        message.From.Add(MailboxAddress.Parse(email.From));
        message.To.Add(new MailboxAddress(row.RecipientName ?? "", row.Recipient));
        message.Headers.Add("X-ChangeDesk-Event", row.EventType);
        message.Body = new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html }.ToMessageBody();
        return message;
    }
}
