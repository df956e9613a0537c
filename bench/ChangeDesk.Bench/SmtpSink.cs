using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ChangeDesk.Bench;

/// <summary>An SMTP server on 127.0.0.1 in this process that accepts every message, counts it and throws it away.</summary>
public sealed class SmtpSink : IAsyncDisposable
{
    readonly CancellationTokenSource stop = new();
    readonly CountingStore store = new();
    SmtpServer.SmtpServer? server;
    Task? running;

    public int Port { get; private init; }
    public int Count => store.Count;
    public long Bytes => store.Bytes;

    public void Reset() => store.Reset();

    public static SmtpSink Start()
    {
        var sink = new SmtpSink { Port = FreePort() };
        var options = new SmtpServerOptionsBuilder()
            .ServerName("bench-sink")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, sink.Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(sink.store);
        services.Add(new NoDelayListenerFactory());
        sink.server = new SmtpServer.SmtpServer(options, services);
        sink.running = sink.server.StartAsync(sink.stop.Token);
        return sink;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (running is not null)
        {
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
        stop.Dispose();
    }

    /// <summary>
    /// Accepts connections with Nagle's algorithm off, as MTAs do: otherwise each reply written in pieces waits for
    /// the client's delayed ACK (40 ms on Linux), and the sink, not the sender, sets the pace.
    /// </summary>
    sealed class NoDelayListenerFactory : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpoint)
        {
            var tcp = new TcpListener(endpoint.Endpoint);
            tcp.Start();
            return new Listener(tcp);
        }

        sealed class Listener(TcpListener tcp) : IEndpointListener
        {
            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken ct)
            {
                var client = await tcp.AcceptTcpClientAsync(ct);
                client.NoDelay = true;
                context.Properties[EndpointListener.LocalEndPointKey] = client.Client.LocalEndPoint!;
                context.Properties[EndpointListener.RemoteEndPointKey] = client.Client.RemoteEndPoint!;
                return new PlainPipe(client);
            }

            public void Dispose() => tcp.Stop();
        }

        /// <summary>The connection as a pipe; the sink offers no STARTTLS.</summary>
        sealed class PlainPipe(TcpClient client) : ISecurableDuplexPipe
        {
            readonly NetworkStream stream = client.GetStream();
            PipeReader? input;
            PipeWriter? output;

            public PipeReader Input => input ??= PipeReader.Create(stream);
            public PipeWriter Output => output ??= PipeWriter.Create(stream);
            public bool IsSecure => false;
            public SslProtocols SslProtocol => SslProtocols.None;

            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken ct) =>
                throw new NotSupportedException("The bench sink does not offer TLS.");

            public void Dispose() => client.Dispose();
        }
    }

    sealed class CountingStore : MessageStore
    {
        int count;
        long bytes;

        public int Count => Volatile.Read(ref count);
        public long Bytes => Interlocked.Read(ref bytes);

        public void Reset()
        {
            Interlocked.Exchange(ref count, 0);
            Interlocked.Exchange(ref bytes, 0);
        }

        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken ct)
        {
            Interlocked.Increment(ref count);
            Interlocked.Add(ref bytes, buffer.Length);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
