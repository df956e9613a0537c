using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Support;

/// <summary>
/// The service sending its email to a real in-process SMTP server (<see cref="Sink"/>), with short outbox
/// timings: first retry after 5 s, a dead letter after 3 attempts, a 5 s poll. As a class fixture it has a sink
/// and a database of its own; built with the constructor taking a sink, several instances can share one
/// database folder, one clock and one sink.
/// </summary>
public class SmtpFixture : ChangeDeskFactory
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public const int MaxAttempts = 3;

    readonly bool ownsSink;
    readonly IReadOnlyDictionary<string, string> settings;

    public SmtpFixture()
        : base(null, null)
    {
        ownsSink = true;
        settings = new Dictionary<string, string>();
    }

    SmtpFixture(SmtpSink sink, string? directory, FakeTimeProvider? clock, IReadOnlyDictionary<string, string>? settings)
        : base(directory, clock)
    {
        Sink = sink;
        this.settings = settings ?? new Dictionary<string, string>();
    }

    /// <summary>
    /// Starts an instance sending to the given sink, on the data folder of another instance when one is given
    /// (that folder is left in place), with the given clock and further settings. The caller disposes it.
    /// </summary>
    public static async Task<SmtpFixture> StartAsync(
        SmtpSink sink, string? directory = null, FakeTimeProvider? clock = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var app = new SmtpFixture(sink, directory, clock, settings);
        await app.InitializeAsync();
        return app;
    }

    public SmtpSink Sink { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Sink ??= await SmtpSink.StartNewAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Email:SmtpHost", "127.0.0.1");
        builder.UseSetting("Email:SmtpPort", Sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Email:Security", "none");
        builder.UseSetting("Outbox:FirstRetry", FirstRetry.ToString());
        builder.UseSetting("Outbox:MaxAttempts", MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Outbox:PollInterval", "00:00:05");
        builder.UseSetting("Digests:PollInterval", "00:00:10");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (ownsSink)
        {
            await Sink.DisposeAsync();
        }
    }
}
