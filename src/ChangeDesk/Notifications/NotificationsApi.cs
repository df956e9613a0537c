using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChangeDesk.Notifications;

public static class NotificationsApi
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var n = app.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization();
        n.MapGet("/preferences", async (NotificationSettings s, CancellationToken ct) => TypedResults.Ok(await s.MyPreferenceAsync(ct)))
            .WithName("GetMyPreferences").WithSummary("Your email preferences (defaults when never set).");
        n.MapPut("/preferences", async (PreferenceInput input, NotificationSettings s, CancellationToken ct) => TypedResults.Ok(await s.SetMyPreferenceAsync(input, ct)))
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
        }).WithName("RemoveTenantAddress");
        n.MapGet("/tenant-settings", async (NotificationSettings s, CancellationToken ct) => TypedResults.Ok(await s.TenantSettingsAsync(ct)))
            .WithName("GetDigestSettings");
        n.MapPut("/tenant-settings", async (TenantSettingsInput input, NotificationSettings s, CancellationToken ct) => TypedResults.Ok(await s.SetTenantSettingsAsync(input, ct)))
            .WithName("SetDigestSettings").WithSummary("timeZone (IANA), digestTime (HH:mm, local), weeklyDigestDay. Tenant admins.");

        var w = app.MapGroup("/api/webhooks").WithTags("Webhooks").RequireAuthorization();
        w.MapGet("/", async (NotificationSettings s, CancellationToken ct) => TypedResults.Ok(await s.WebhooksAsync(ct))).WithName("ListWebhooks");
        w.MapPost("/", async (WebhookInput input, NotificationSettings s, CancellationToken ct) =>
        {
            var created = await s.AddWebhookAsync(input, ct);
            return TypedResults.Created($"/api/webhooks/{created.Endpoint.Id}", created);
        }).WithName("RegisterWebhook").WithSummary("Register an endpoint; the signing secret is in the response once.");
        w.MapDelete("/{id:guid}", async (Guid id, NotificationSettings s, CancellationToken ct) =>
        {
            await s.RemoveWebhookAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteWebhook");
        w.MapPost("/{id:guid}/test", async (Guid id, NotificationSettings s, CancellationToken ct) =>
        {
            await s.SendTestAsync(id, ct);
            return TypedResults.Accepted($"/api/webhooks/{id}/deliveries");
        }).WithName("TestWebhook").WithSummary("Queue a ping event for the endpoint.");
        w.MapGet("/{id:guid}/deliveries", async (Guid id, NotificationSettings s, CancellationToken ct) => TypedResults.Ok(await s.DeliveriesAsync(id, ct)))
            .WithName("ListWebhookDeliveries").WithSummary("The last 100 delivery attempts with the endpoint's answers.");

        var o = app.MapGroup("/api/outbox").WithTags("Outbox").RequireAuthorization(Policies.ProviderAdmin);
        o.MapGet("/", async (string? state, string? channel, int? top, NotificationSettings s, CancellationToken ct) =>
            TypedResults.Ok(await s.OutboxAsync(state, channel, top ?? 100, ct))).WithName("ListOutbox").WithSummary("state: pending, sent, dead or all.");
        o.MapPost("/{id:guid}/retry", async (Guid id, NotificationSettings s, CancellationToken ct) =>
        {
            await s.RetryAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("RetryOutboxMessage").WithSummary("Give a dead letter a fresh set of attempts, due now.");
        return app;
    }
}
