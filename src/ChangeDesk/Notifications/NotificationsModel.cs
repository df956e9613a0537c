using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Notifications;

sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> e)
    {
        e.ToTable("Outbox");
        e.HasIndex(o => o.DedupKey).IsUnique();
        // The rows waiting to be sent, in the order senders claim them (due time, then id: the rows of one announce share
        // a due time). Partial, so it holds the backlog rather than every email ever sent. Claims, renewals and marks
        // find rows by id, so the lease owner needs no index of its own.
        e.HasIndex(o => new { o.Channel, o.DueAt, o.Id }, "IX_Outbox_Pending").HasFilter("\"SentAt\" IS NULL AND \"DeadAt\" IS NULL");
        e.HasIndex(o => new { o.TenantId, o.CreatedAt });
        e.Ignore(o => o.EmailMessageId);
        // No foreign key to EmailContents: a content is written in the transaction of the emails that use it and never
        // deleted, and an index for a key constraint would slow the insert of every email.
    }
}

sealed class NotificationPreferenceConfiguration : IEntityTypeConfiguration<NotificationPreference>
{
    public void Configure(EntityTypeBuilder<NotificationPreference> e)
    {
        e.HasIndex(p => p.UserId).IsUnique();
        e.HasIndex(p => p.TenantId);
        // One extra address per tenant and email: two adds at once cannot both pass the check.
        e.HasIndex(p => new { p.TenantId, p.Email }, "IX_NotificationPreferences_ExtraAddress").IsUnique().HasFilter("\"UserId\" IS NULL");
        e.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class TenantNotificationSettingsConfiguration : IEntityTypeConfiguration<TenantNotificationSettings>
{
    public void Configure(EntityTypeBuilder<TenantNotificationSettings> e)
    {
        e.HasKey(t => t.TenantId);
        e.HasOne<Tenant>().WithOne().HasForeignKey<TenantNotificationSettings>(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> e)
    {
        e.HasIndex(w => w.TenantId);
        e.Property(w => w.Url).HasMaxLength(2000);
        e.HasOne<Tenant>().WithMany().HasForeignKey(w => w.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> e)
    {
        e.HasIndex(d => new { d.EndpointId, d.At });
        e.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}
