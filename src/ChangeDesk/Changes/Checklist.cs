using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Changes;

public enum Phase
{
    Before,
    During,
    After,
}

/// <summary>A role-specific item of the seed's "Change process overview", due from one party of one change.</summary>
public sealed class ChecklistTask : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();
    public int ChangeId { get; init; }
    public Phase Phase { get; init; }
    public Party Party { get; init; }

    /// <summary>The customer tenant that owes the task; null when the provider owes it.</summary>
    public Guid? TenantId { get; init; }

    public required string Text { get; init; }

    /// <summary>Position of the item in its phase, so checklists read in the seed's order.</summary>
    public int Ordinal { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; set; }
    public Guid? CompletedById { get; set; }
    public string? CompletedByName { get; set; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => ChangeId;
}

/// <summary>
/// Builds the checklist of a phase. The implementer is the party that owns the change (the provider, or the
/// customer for its own change); the recipients are the targeted tenants. Items tied to a matrix activity go
/// to whichever side the tenant's matrix names for the change's scope.
/// </summary>
public static class ChecklistTemplate
{
    public sealed record Context(Change Change, ChangeType Type, Func<Guid, ResponsibilityMatrix> MatrixFor, IReadOnlyList<Guid> RecipientTenants);

    public sealed record Item(Party Party, Guid? TenantId, string Text);

    public static IReadOnlyList<Item> For(Phase phase, Context ctx)
    {
        var change = ctx.Change;
        var items = new List<Item>();
        var owner = change.OwnerTenantId;
        var ownerParty = change.OwnerParty;
        void Implementer(string text) => items.Add(new(ownerParty, owner, text));
        void Recipients(string text)
        {
            foreach (var tenant in ctx.RecipientTenants)
            {
                items.Add(new(Party.Customer, tenant, text));
            }
        }
        // Items of a matrix activity: the customer side gets one per tenant whose matrix includes it.
        void ByActivity(Activity activity, string customerText)
        {
            foreach (var tenant in ctx.RecipientTenants)
            {
                if (ctx.MatrixFor(tenant).IsResponsible(Party.Customer, activity, change.Scope))
                {
                    items.Add(new(Party.Customer, tenant, customerText));
                }
            }
        }

        switch (phase)
        {
            case Phase.Before:
                Implementer("Set expectations for the change");
                if (change.AdminActionRequired && !change.IsEmergency)
                {
                    Implementer($"Notify customers {ctx.Type.NoticeDays} days in advance: this change requires administrator action");
                }
                if (change.IsEmergency)
                {
                    Implementer("Apply a mitigation before notifying");
                }
                Recipients("Understand what to expect from this change and its communications");
                Recipients("Read the Message Center post for this change");
                Recipients("Review and update internal change management processes");
                Recipients("Check compliance with the service's requirements");
                if (change.Consent != Consent.None)
                {
                    Recipients(change.Consent == Consent.Approve ? "Approve the change" : "Acknowledge the change");
                }
                if (change.TypeKey == ChangeTypeCatalog.Functionality)
                {
                    ByActivity(Activity.CommunicateNewFeatures, "Communicate the new functionality to your users");
                }
                break;
            case Phase.During:
                Implementer("Release and deploy the change");
                Implementer("Monitor data signals and support queues for impact");
                Recipients("Check the Message Center and review any additional information");
                if (change.AdminActionRequired)
                {
                    Recipients($"Take the required action: {change.AdminAction}");
                }
                if (ctx.Type.TestingRequired is Frequency.Always or Frequency.Sometimes)
                {
                    Recipients($"Test applications: {ctx.Type.TestingGuidance}");
                }
                ByActivity(Activity.TestNewFeatures, "Test the new features for quality assurance");
                ByActivity(Activity.IntegrateCustomSoftware, "Integrate your custom software with the change");
                Recipients("If a break/fix scenario is experienced, create a support request");
                break;
            case Phase.After:
                Implementer("Collect customer feedback to improve future rollouts");
                Implementer("Monitor data signals and support queues for impact");
                Recipients("Work with people in your organization to adopt the change");
                Recipients("Review change and adoption management processes for efficiencies");
                Recipients("Provide general and specific feedback on the change");
                Recipients("Train users to give app-specific feedback (Feedback Hub, Office Smile button)");
                break;
        }
        return items;
    }

    public static Phase? PhaseEnteredBy(ChangeAction action) => action switch
    {
        ChangeAction.Announce => Phase.Before,
        ChangeAction.Start => Phase.During,
        ChangeAction.Complete => Phase.After,
        _ => null,
    };
}
