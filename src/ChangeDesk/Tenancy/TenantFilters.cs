using ChangeDesk.Applications;
using ChangeDesk.Approvals;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Releases;
using ChangeDesk.Responsibility;
using ChangeDesk.Signals;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

public abstract partial class ChangeDeskDb
{
    /// <summary>Names the tenant filter of messages, for queries reaching messages through MessageTenants, which has its own.</summary>
    public const string MessagePostedFilter = "message-posted-to-tenant";

    /// <summary>The tenant whose rows are visible; null for provider users and the system.</summary>
    Guid? VisibleTenantId => user.TenantId;

    /// <summary>
    /// Tenant isolation, every rule in one place: a customer user sees only its tenant's rows (and the provider's rows
    /// meant for it); provider users and the system see everything. Every entity that holds a tenant's data has its
    /// rule here, beside all the others, rather than in its configuration.
    /// </summary>
    void ApplyTenantFilters(ModelBuilder b)
    {
        // Tenancy
        b.Entity<Tenant>().HasQueryFilter(t => VisibleTenantId == null || t.Id == VisibleTenantId);
        b.Entity<User>().HasQueryFilter(u => VisibleTenantId == null || u.TenantId == VisibleTenantId);
        b.Entity<ApiToken>().HasQueryFilter(t => VisibleTenantId == null || t.TenantId == VisibleTenantId);

        // Responsibility: the provider's defaults (no tenant) apply to everyone.
        b.Entity<ResponsibilityOverride>().HasQueryFilter(o => VisibleTenantId == null || o.TenantId == null || o.TenantId == VisibleTenantId);

        // Changes: a customer sees its own changes and the provider's announced changes that target it.
        b.Entity<Change>().HasQueryFilter(c => VisibleTenantId == null
            || c.OwnerTenantId == VisibleTenantId
            || (c.OwnerTenantId == null && c.State != ChangeState.Draft
                && (c.TargetsAllTenants || c.Targets.Any(t => t.TenantId == VisibleTenantId))));
        b.Entity<Mitigation>().HasQueryFilter(m => VisibleTenantId == null || m.OwnerTenantId == null || m.OwnerTenantId == VisibleTenantId);
        b.Entity<ChecklistTask>().HasQueryFilter(t => VisibleTenantId == null || t.TenantId == null || t.TenantId == VisibleTenantId);

        // Message Center
        b.Entity<Message>().HasQueryFilter(MessagePostedFilter, m => VisibleTenantId == null || m.Tenants.Any(t => t.TenantId == VisibleTenantId));
        b.Entity<MessageTenant>().HasQueryFilter(t => VisibleTenantId == null || t.TenantId == VisibleTenantId);
        b.Entity<MessageRevision>().HasQueryFilter(r => VisibleTenantId == null || Set<MessageTenant>().Any(t => t.MessageId == r.MessageId && t.TenantId == VisibleTenantId));
        b.Entity<MessageViewState>().HasQueryFilter(v => VisibleTenantId == null || v.TenantId == VisibleTenantId);

        // Applications
        b.Entity<BusinessApplication>().HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);

        // Notifications
        b.Entity<OutboxMessage>().HasQueryFilter(o => VisibleTenantId == null || o.TenantId == VisibleTenantId);
        b.Entity<NotificationPreference>().HasQueryFilter(p => VisibleTenantId == null || p.TenantId == VisibleTenantId);
        b.Entity<TenantNotificationSettings>().HasQueryFilter(t => VisibleTenantId == null || t.TenantId == VisibleTenantId);
        b.Entity<WebhookEndpoint>().HasQueryFilter(w => VisibleTenantId == null || w.TenantId == VisibleTenantId);
        b.Entity<WebhookDelivery>().HasQueryFilter(d => VisibleTenantId == null || d.TenantId == VisibleTenantId);

        // Approvals
        b.Entity<ChangeApproval>().HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);
        b.Entity<TenantApprover>().HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);

        // Support: internal notes are the provider's, so no customer query ever returns them.
        b.Entity<SupportRequest>().HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        b.Entity<SupportComment>().HasQueryFilter(c => VisibleTenantId == null || (c.TenantId == VisibleTenantId && !c.IsInternal));
        b.Entity<SupportAttachment>().HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);

        // Releases: a customer sees the releases that reach it; a service-wide pause or blackout (no tenant) concerns every tenant.
        b.Entity<Release>().HasQueryFilter(r => VisibleTenantId == null || r.TargetsAllTenants || r.Targets.Any(t => t.TenantId == VisibleTenantId));
        b.Entity<TenantRing>().HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        b.Entity<TenantRollout>().HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        b.Entity<RingRollout>().HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        b.Entity<RolloutPause>().HasQueryFilter(p => VisibleTenantId == null || p.TenantId == null || p.TenantId == VisibleTenantId);
        b.Entity<BlackoutWindow>().HasQueryFilter(w => VisibleTenantId == null || w.TenantId == null || w.TenantId == VisibleTenantId);

        // Signals
        b.Entity<SignalAggregate>().HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);
        b.Entity<SignalBucket>().HasQueryFilter(s => VisibleTenantId == null || s.TenantId == VisibleTenantId);
        b.Entity<SignalReceipt>().HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);

        // Audit: a customer sees its tenant's records and those of the provider's changes, which carry no tenant.
        b.Entity<AuditRecord>().HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId || (r.TenantId == null && r.ChangeId != null));
    }
}
