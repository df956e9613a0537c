using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace ChangeDesk.Notifications;

public sealed class EmailOptions
{
    public const string Section = "Email";

    public string From { get; set; } = "ChangeDesk <changedesk@localhost>";

    /// <summary>The SMTP server; empty keeps mail as .eml files in <see cref="PickupDirectory"/> instead.</summary>
    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 25;

    /// <summary>none, starttls, tls (implicit TLS) or auto.</summary>
    public string Security { get; set; } = "auto";

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Where mail is kept when no SMTP server is configured, relative to the content root.</summary>
    public string PickupDirectory { get; set; } = "data/mail";

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(SmtpHost);
}

/// <summary>
/// Delivers emails over one connection: to the SMTP server when one is configured, otherwise into
/// the pickup folder (one .eml file per message, named by its outbox id, so a resend overwrites rather than
/// duplicates).
/// </summary>
public sealed class EmailTransport(EmailOptions options, IHostEnvironment environment) : IAsyncDisposable
{
    SmtpClient? smtp;

    public string PickupPath => Path.Combine(environment.ContentRootPath, options.PickupDirectory);

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        if (!options.UsesSmtp)
        {
            Directory.CreateDirectory(PickupPath);
            var file = Path.Combine(PickupPath, $"{(message.MessageId ?? Guid.NewGuid().ToString("n")).Split('@')[0]}.eml");
            var temp = file + ".tmp";
            await message.WriteToAsync(temp, ct);
            File.Move(temp, file, overwrite: true);
            return;
        }
        if (smtp is not { IsConnected: true })
        {
            smtp?.Dispose();
            smtp = new SmtpClient();
            var security = options.Security.ToLowerInvariant() switch
            {
                "none" => SecureSocketOptions.None,
                "starttls" => SecureSocketOptions.StartTls,
                "tls" => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            };
            await smtp.ConnectAsync(options.SmtpHost!, options.SmtpPort, security, ct);
            if (!string.IsNullOrEmpty(options.Username))
            {
                await smtp.AuthenticateAsync(options.Username, options.Password ?? "", ct);
            }
        }
        await smtp.SendAsync(message, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (smtp is { IsConnected: true })
        {
            try
            {
                await smtp.DisconnectAsync(true);
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException)
            {
                // The messages were already accepted; a failed QUIT changes nothing.
            }
        }
        smtp?.Dispose();
    }
}
