using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Web;

namespace ChangeDesk.Notifications;

/// <summary>
/// Every lifecycle step of a change is a <c>change.transitioned</c> event for the provider's endpoints and the owner's,
/// and, once the change has been announced, for the endpoints of every tenant it is told to: a tenant hears of a
/// change targeting it (by name or as one of all tenants) as it sees it, never of a draft.
/// </summary>
public sealed class ChangeTransitionWebhook(Notifier notifier, ChangeRecipients recipients) : IDomainEventHandler<ChangeTransitioned>
{
    public async Task HandleAsync(ChangeTransitioned e, CancellationToken ct)
    {
        var change = e.Change;
        var told = change.AnnouncedAt is null ? [] : await recipients.OfAsync(change, ct);
        await notifier.WebhookAsync(WebhookEvents.ChangeTransitioned, change.OwnerTenantId, told, change.Id, $"{change.Id}:v{e.Version}",
            new { changeId = change.Id, changeNumber = change.Number, title = change.Title, action = EnumNames.Of(e.Action), state = EnumNames.Of(e.To) },
            e.At, ct);
    }
}
