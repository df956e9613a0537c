using System.Diagnostics;
using System.Text;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications;

/// <summary>
/// Posts webhook outbox rows to their endpoints, signed per Standard Webhooks (webhook-id, webhook-timestamp,
/// webhook-signature), logging every attempt. A non-2xx answer or a timeout is retried with backoff.
/// </summary>
public sealed class WebhookSender(
    IServiceScopeFactory scopes, OutboxWakeUp wakeUp, OutboxOptions outbox, IHttpClientFactory http, WebhookAddressPolicy policy, TimeProvider clock,
    ILogger<WebhookSender> logger)
    : BackgroundService
{
    public const string HttpClientName = "webhooks";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicJob.RunAsync(RunOnceAsync, outbox.PollInterval, (wait, ct) => wakeUp.WaitAsync(Channels.Webhook, wait, clock, ct), logger, "Webhook outbox", stoppingToken);

    async Task<TimeSpan> RunOnceAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("webhook sender");
            var store = scope.ServiceProvider.GetRequiredService<OutboxStore>();
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            var batch = await store.ClaimAsync(Channels.Webhook, stoppingToken);
            if (batch.Count == 0)
            {
                var next = await store.NextDueAsync(Channels.Webhook, stoppingToken);
                var until = next is { } due ? due - clock.GetUtcNow() : outbox.PollInterval;
                return until <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : until < outbox.PollInterval ? until : outbox.PollInterval;
            }
            var ids = batch.Select(b => Guid.Parse(b.Recipient)).Distinct().ToList();
            var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, stoppingToken);
            var client = http.CreateClient(HttpClientName);
            // Renewed while the batch is worked through, so a slow endpoint keeps the batch and a dead sender's rows
            // wait only a short lease.
            await using var lease = new OutboxLease(batch, scopes, outbox, clock, logger);
            for (var i = 0; i < batch.Count; i++)
            {
                var row = batch[i];
                if (stoppingToken.IsCancellationRequested)
                {
                    var rest = batch.Skip(i).ToList();
                    await lease.SettleAsync(rest, () => store.ReleaseAsync(rest, CancellationToken.None));
                    break;
                }
                if (!await lease.HoldsAsync(row, store))
                {
                    continue; // this sender stalled past its lease and another sender has this row now
                }
                if (!endpoints.TryGetValue(Guid.Parse(row.Recipient), out var endpoint) || !endpoint.IsActive)
                {
                    await lease.SettleAsync(row, () => store.MarkDeadAsync(row, "The webhook endpoint was deleted or deactivated.", CancellationToken.None));
                    continue;
                }
                await DeliverAsync(client, db, store, lease, endpoint, row);
            }
        }
        return outbox.PollInterval;
    }

    async Task DeliverAsync(HttpClient client, ChangeDeskDb db, OutboxStore store, OutboxLease lease, WebhookEndpoint endpoint, OutboxMessage row)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var id = row.Id.ToString("n");
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new StringContent(row.Body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookEndpoint.Sign(endpoint.Secret, id, timestamp, row.Body));
        var watch = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        // The log shows a status code and one of a few fixed reasons, never the remote's text: a tenant admin reads it,
        // and what a non-HTTP service answers (or how a connection fails) would describe hosts they cannot reach.
        if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url) || policy.UrlRefusal(url) is not null)
        {
            error = url is null ? "The endpoint's URL is not valid." : policy.UrlRefusal(url);
        }
        else
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
                if (status is >= 300 and < 400)
                {
                    error = $"The endpoint answered {status}, a redirect: redirects are not followed.";
                }
                else if (!response.IsSuccessStatusCode)
                {
                    error = $"The endpoint answered {status}.";
                }
            }
            catch (TaskCanceledException)
            {
                error = "The endpoint did not answer within 15 seconds.";
            }
            catch (HttpRequestException e)
            {
                error = Reason(e);
            }
        }
        db.WebhookDeliveries.Add(new WebhookDelivery
        {
            EndpointId = endpoint.Id,
            OutboxId = row.Id,
            TenantId = endpoint.TenantId,
            EventType = row.EventType,
            Attempt = row.Attempts + 1,
            At = clock.GetUtcNow(),
            StatusCode = status,
            Succeeded = error is null,
            Error = error,
            DurationMs = watch.ElapsedMilliseconds,
        });
        if (error is not null)
        {
            logger.LogWarning("Webhook {Id} to {Url} failed (attempt {Attempt}): {Error}", row.Id, endpoint.Url, row.Attempts + 1, error);
        }
        // The delivery's log and its mark are written before the next delivery starts: a crash repeats at most this one.
        await lease.SettleAsync(row, async () =>
        {
            await db.SaveChangesAsync(CancellationToken.None);
            await (error is null ? store.MarkSentAsync(row, CancellationToken.None) : store.MarkFailedAsync(row, error, CancellationToken.None));
        });
    }

    static string Reason(HttpRequestException e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookAddressRefusedException refused)
            {
                return WebhookAddressPolicy.AddressMessage(refused.Kind);
            }
        }
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "The endpoint's host name could not be resolved.",
            HttpRequestError.SecureConnectionError => "The TLS handshake with the endpoint failed.",
            HttpRequestError.ConnectionError => "The endpoint could not be reached.",
            _ => "The endpoint did not answer with valid HTTP.",
        };
    }
}
