using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SmtpServerHost = SmtpServer.SmtpServer;

namespace ChangeDesk.Tests.Support;

/// <summary>What the sink answers at the end of DATA.</summary>
public enum SinkMode
{
    Accept,

    /// <summary>550: the mailbox is unavailable (a permanent refusal as the server sees it).</summary>
    RefuseMailbox,

    /// <summary>554: the transaction failed.</summary>
    RefuseTransaction,
}

/// <summary>One message as the sink saw it, and whether it told the client it was accepted.</summary>
public sealed record ReceivedMail(MimeMessage Message, IReadOnlyList<string> Envelope, bool Accepted, int Sequence)
{
    public string MessageId => Message.MessageId ?? "";
    public string To => Message.To.Mailboxes.Single().Address;
}

/// <summary>
/// A real SMTP server (the SmtpServer package) on 127.0.0.1 that keeps every message it is sent. It can be
/// stopped and started again on the same port, refuse messages, and hold each message before answering, so a
/// test decides when the client sees "250 OK".
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    readonly Lock gate = new();
    readonly List<ReceivedMail> received = [];
    readonly List<MimeMessage> arrived = [];
    readonly SemaphoreSlim holdReleases = new(0);
    CancellationTokenSource? running;
    Task? serverTask;
    int held;
    int released;
    int waiting;
    int sequence;

    public SmtpSink()
    {
        Port = FreePort();
    }

    public int Port { get; }

    public SinkMode Mode { get; set; } = SinkMode.Accept;

    /// <summary>When set, every message waits in the store for <see cref="Release"/> before it is answered.</summary>
    public bool Hold { get; set; }

    /// <summary>Messages waiting in the store for a <see cref="Release"/>.</summary>
    public int Waiting => Volatile.Read(ref waiting);

    /// <summary>How many messages were held in all (waiting or since released).</summary>
    public int HeldCount => Volatile.Read(ref held);

    /// <summary>Every message as it came in, before it was held or answered.</summary>
    public IReadOnlyList<MimeMessage> Arrived
    {
        get
        {
            lock (gate)
            {
                return arrived.ToList();
            }
        }
    }

    /// <summary>
    /// Called with each message the sink accepts, after it is recorded and before the client is told "250 OK": what
    /// the callback does (stop the client's process, say) happens while the client still waits for the answer.
    /// </summary>
    public Action<ReceivedMail>? Accepting { get; set; }

    public bool IsRunning => running is not null;

    /// <summary>Everything the server was sent, accepted or refused, in arrival order.</summary>
    public IReadOnlyList<ReceivedMail> All
    {
        get
        {
            lock (gate)
            {
                return received.ToList();
            }
        }
    }

    /// <summary>The messages the client was told were accepted.</summary>
    public IReadOnlyList<ReceivedMail> Accepted => All.Where(m => m.Accepted).ToList();

    public IReadOnlyList<ReceivedMail> AcceptedFor(IEnumerable<string> addresses)
    {
        var set = addresses.Select(a => a.ToLowerInvariant()).ToHashSet();
        return Accepted.Where(m => set.Contains(m.To.ToLowerInvariant())).ToList();
    }

    public static async Task<SmtpSink> StartNewAsync()
    {
        var sink = new SmtpSink();
        await sink.StartAsync();
        return sink;
    }

    public async Task StartAsync()
    {
        if (running is not null)
        {
            return;
        }
        var options = new SmtpServerOptionsBuilder()
            .ServerName("sink.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        var server = new SmtpServerHost(options, services);
        running = new CancellationTokenSource();
        serverTask = server.StartAsync(running.Token);
        // Listening is set up asynchronously: wait until a client gets the greeting.
        await Poll.UntilAsync(CanConnectAsync, null, $"the SMTP sink to listen on port {Port}");
    }

    /// <summary>Stops listening and drops open sessions: clients now get "connection refused".</summary>
    public async Task StopAsync()
    {
        if (running is null)
        {
            return;
        }
        await running.CancelAsync();
        try
        {
            await serverTask!.WaitAsync(Poll.DefaultTimeout);
        }
        catch (OperationCanceledException)
        {
        }
        running.Dispose();
        running = null;
        serverTask = null;
        await Poll.UntilAsync(async () => !await CanConnectAsync(), null, $"the SMTP sink to stop listening on port {Port}");
    }

    /// <summary>Lets the given number of held messages be answered.</summary>
    public void Release(int count = 1)
    {
        Interlocked.Add(ref released, count);
        holdReleases.Release(count);
    }

    /// <summary>Releases every message held so far that has not been released yet.</summary>
    public void ReleaseHeld()
    {
        lock (gate)
        {
            var owed = Volatile.Read(ref held) - Volatile.Read(ref released);
            if (owed > 0)
            {
                Release(owed);
            }
        }
    }

    public void Clear()
    {
        lock (gate)
        {
            received.Clear();
        }
    }

    async Task<bool> CanConnectAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            using var reader = new StreamReader(client.GetStream());
            var greeting = await reader.ReadLineAsync(timeout.Token);
            return greeting?.StartsWith("220", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        Hold = false;
        ReleaseHeld();
        await StopAsync();
    }

    sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, CancellationToken.None);
            lock (sink.gate)
            {
                sink.arrived.Add(message);
            }
            if (sink.Hold)
            {
                lock (sink.gate)
                {
                    sink.held++;
                }
                Interlocked.Increment(ref sink.waiting);
                try
                {
                    await sink.holdReleases.WaitAsync(cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref sink.waiting);
                }
            }
            var mode = sink.Mode;
            var envelope = transaction.To.Select(t => $"{t.User}@{t.Host}").ToList();
            ReceivedMail mail;
            lock (sink.gate)
            {
                mail = new ReceivedMail(message, envelope, mode == SinkMode.Accept, ++sink.sequence);
                sink.received.Add(mail);
            }
            if (mail.Accepted)
            {
                sink.Accepting?.Invoke(mail);
            }
            return mode switch
            {
                SinkMode.RefuseMailbox => SmtpResponse.MailboxUnavailable,
                SinkMode.RefuseTransaction => SmtpResponse.TransactionFailed,
                _ => SmtpResponse.Ok,
            };
        }
    }
}
