using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Notifications.Digests;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Notifications.Preferences;
using ChangeDesk.Notifications.Webhooks;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChangeDesk.Notifications;

public static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var n = app.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization();
        n.MapGet("/preferences", async (MyPreferences p, CancellationToken ct) => TypedResults.Ok(await p.GetAsync(ct)))
            .WithName("GetMyPreferences").WithSummary("Your email preferences (defaults when never set).");
        n.MapPut("/preferences", async (PreferenceInput input, MyPreferences p, CancellationToken ct) => TypedResults.Ok(await p.SetAsync(input, ct)))
            .WithName("SetMyPreferences").WithSummary("mode: immediately, daily-digest, weekly-digest or off; filters by category, severity, services, major changes; allUpdates.");
        n.MapGet("/addresses", async (ExtraAddresses a, CancellationToken ct) => TypedResults.Ok(await a.ListAsync(ct)))
            .WithName("ListTenantAddresses").WithSummary("Extra addresses (shared mailboxes) of your tenant, each pending or confirmed. Tenant admins.");
        n.MapPost("/addresses", async (PreferenceInput input, ExtraAddresses a, CancellationToken ct) =>
        {
            var created = await a.AddAsync(input, ct);
            return TypedResults.Created($"/api/notifications/addresses/{created.Id}", created);
        }).WithName("AddTenantAddress")
            .WithSummary("Add an extra address: it is mailed a confirmation link and stays pending, receiving nothing else, until its owner confirms.");
        n.MapPost("/addresses/{id:guid}/confirmation", async (Guid id, ExtraAddresses a, CancellationToken ct) =>
            TypedResults.Accepted($"/api/notifications/addresses/{id}", await a.ResendConfirmationAsync(id, ct)))
            .WithName("ResendAddressConfirmation")
            .WithSummary("Mail a pending address its confirmation link again; at most ExtraAddresses:MaxConfirmationEmails per address and period (429 beyond).");
        n.MapDelete("/addresses/{id:guid}", async (Guid id, ExtraAddresses a, CancellationToken ct) =>
        {
            await a.RemoveAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("RemoveTenantAddress").WithSummary("Remove an extra address: it receives nothing more, and its confirmation links stop working.");
        n.MapGet("/tenant-settings", async (DigestSettings d, CancellationToken ct) => TypedResults.Ok(await d.GetAsync(ct)))
            .WithName("GetDigestSettings");
        n.MapPut("/tenant-settings", async (TenantSettingsInput input, DigestSettings d, CancellationToken ct) => TypedResults.Ok(await d.SetAsync(input, ct)))
            .WithName("SetDigestSettings").WithSummary("timeZone (IANA), digestTime (HH:mm, local), weeklyDigestDay. Tenant admins.");

        var w = app.MapGroup("/api/webhooks").WithTags("Webhooks").RequireAuthorization();
        w.MapGet("/", async (RegisteredWebhooks h, CancellationToken ct) => TypedResults.Ok(await h.ListAsync(ct))).WithName("ListWebhooks");
        w.MapPost("/", async (WebhookInput input, RegisteredWebhooks h, CancellationToken ct) =>
        {
            var created = await h.AddAsync(input, ct);
            return TypedResults.Created($"/api/webhooks/{created.Endpoint.Id}", created);
        }).WithName("RegisterWebhook").WithSummary("Register an endpoint; the signing secret is in the response once.");
        w.MapDelete("/{id:guid}", async (Guid id, RegisteredWebhooks h, CancellationToken ct) =>
        {
            await h.RemoveAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWebhook");
        w.MapPost("/{id:guid}/test", async (Guid id, RegisteredWebhooks h, CancellationToken ct) =>
        {
            await h.SendTestAsync(id, ct);
            return TypedResults.Accepted($"/api/webhooks/{id}/deliveries");
        }).WithName("TestWebhook").WithSummary("Queue a ping event for the endpoint.");
        w.MapGet("/{id:guid}/deliveries", async (Guid id, RegisteredWebhooks h, CancellationToken ct) => TypedResults.Ok(await h.DeliveriesAsync(id, ct)))
            .WithName("ListWebhookDeliveries").WithSummary("The last 100 delivery attempts with the endpoint's answers.");

        var o = app.MapGroup("/api/outbox").WithTags("Outbox").RequireAuthorization(Policies.ProviderAdmin);
        o.MapGet("/", async (string? state, string? channel, int? top, OutboxAdmin a, CancellationToken ct) =>
            TypedResults.Ok(await a.ListAsync(state, channel, top ?? 100, ct))).WithName("ListOutbox").WithSummary("state: pending, sent, dead or all.");
        o.MapPost("/{id:guid}/retry", async (Guid id, OutboxAdmin a, CancellationToken ct) =>
        {
            await a.RetryAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("RetryOutboxMessage").WithSummary("Give a dead letter a fresh set of attempts, due now.");
        return app;
    }
}
