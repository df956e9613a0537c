using ChangeDesk.Changes;
using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.MessageCenter;

sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> e)
    {
        e.Property(m => m.Id).HasMaxLength(20).ValueGeneratedNever();
        e.HasIndex(m => m.Number).IsUnique();
        e.HasIndex(m => m.ChangeId).IsUnique();
        e.HasIndex(m => m.ReleaseId);
        e.HasIndex(m => m.LastModifiedDateTime);
        e.Property(m => m.Title).HasMaxLength(200);
        e.Property(m => m.Category).HasMaxLength(30);
        e.Property(m => m.Severity).HasMaxLength(20);
        e.Property(m => m.Consent).HasMaxLength(20);
        e.ComplexCollection(m => m.Details, d => d.ToJson());
        e.HasOne<Change>().WithOne().HasForeignKey<Message>(m => m.ChangeId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Release>().WithMany().HasForeignKey(m => m.ReleaseId).OnDelete(DeleteBehavior.Restrict);
        e.HasMany(m => m.Tenants).WithOne().HasForeignKey(t => t.MessageId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(m => m.Revisions).WithOne().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class MessageTenantConfiguration : IEntityTypeConfiguration<MessageTenant>
{
    public void Configure(EntityTypeBuilder<MessageTenant> e)
    {
        e.HasKey(t => new { t.TenantId, t.MessageId });
        e.HasIndex(t => t.MessageId);
        // A tenant's Message Center newest first; with the message id it answers a page without reading the postings.
        e.HasIndex(t => new { t.TenantId, t.LastModifiedDateTime, t.MessageId });
        e.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class MessageRevisionConfiguration : IEntityTypeConfiguration<MessageRevision>
{
    public void Configure(EntityTypeBuilder<MessageRevision> e) => e.HasIndex(r => new { r.MessageId, r.Version });
}

sealed class MessageViewStateConfiguration : IEntityTypeConfiguration<MessageViewState>
{
    public void Configure(EntityTypeBuilder<MessageViewState> e)
    {
        e.HasKey(v => new { v.UserId, v.MessageId });
        e.HasIndex(v => v.MessageId);
        e.HasOne<User>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Message>().WithMany().HasForeignKey(v => v.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
