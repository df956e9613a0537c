using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Support;

/// <summary>One request as the receiver got it, with the status it answered.</summary>
public sealed record ReceivedHook(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string Type => Json.GetProperty("type").GetString()!;
    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : throw new Xunit.Sdk.XunitException($"No {name} header in {Path}: {string.Join(", ", Headers.Keys)}");
}

/// <summary>
/// A small HTTP server (Kestrel on 127.0.0.1, a free port) that records every request. Each path is an endpoint;
/// <see cref="Answer"/> decides the status per request (200 unless told otherwise).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ConcurrentQueue<ReceivedHook> received = new();

    WebhookReceiver(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>The status to answer a request to a path with; the count is how many that path had before.</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    /// <summary>The Location header to answer a path with (for redirects); none when null.</summary>
    public Func<string, string?> Location { get; set; } = _ => null;

    public IReadOnlyList<ReceivedHook> All => received.ToList();

    public IReadOnlyList<ReceivedHook> At(string path) => received.Where(r => r.Path == path).ToList();

    public string Url(string path) => BaseUrl + path;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var receiver = new WebhookReceiver(builder.Build());
        receiver.app.Run(receiver.HandleAsync);
        await receiver.app.StartAsync();
        var address = receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.BaseUrl = address.TrimEnd('/');
        return receiver;
    }

    async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value ?? "/";
        int status;
        lock (received)
        {
            status = Answer(path, received.Count(r => r.Path == path));
            received.Enqueue(new ReceivedHook(path, context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body, status));
        }
        context.Response.StatusCode = status;
        if (Location(path) is { } location)
        {
            context.Response.Headers.Location = location;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
