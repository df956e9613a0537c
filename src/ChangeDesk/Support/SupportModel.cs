using ChangeDesk.Changes;
using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Support;

sealed class SupportRequestConfiguration : IEntityTypeConfiguration<SupportRequest>
{
    public void Configure(EntityTypeBuilder<SupportRequest> e)
    {
        e.HasIndex(r => r.Number).IsUnique();
        e.Property(r => r.Title).HasMaxLength(200);
        e.Property(r => r.ContactName).HasMaxLength(200);
        e.Property(r => r.ContactEmail).HasMaxLength(320);
        e.Property(r => r.ContactPhone).HasMaxLength(40);
        e.Property(r => r.CreatedByName).HasMaxLength(200);
        e.Property(r => r.AssigneeName).HasMaxLength(200);
        e.Property(r => r.Version).IsConcurrencyToken();
        e.Ignore(r => r.Reference);
        // The queue (state, severity, age), a tenant's own list, and the release signals (requests per tenant and release).
        e.HasIndex(r => new { r.State, r.Severity, r.CreatedAt });
        e.HasIndex(r => new { r.TenantId, r.State });
        e.HasIndex(r => new { r.ReleaseId, r.TenantId, r.CreatedAt });
        e.HasIndex(r => r.ChangeId);
        e.HasIndex(r => r.AssigneeId);
        e.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Change>().WithMany().HasForeignKey(r => r.ChangeId).OnDelete(DeleteBehavior.Restrict);
        // A release deleted before it went out leaves the request in place, unlinked.
        e.HasOne<Release>().WithMany().HasForeignKey(r => r.ReleaseId).OnDelete(DeleteBehavior.SetNull);
        e.HasOne<User>().WithMany().HasForeignKey(r => r.AssigneeId).OnDelete(DeleteBehavior.Restrict);
        e.HasMany(r => r.Comments).WithOne().HasForeignKey(c => c.RequestId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class SupportCommentConfiguration : IEntityTypeConfiguration<SupportComment>
{
    public void Configure(EntityTypeBuilder<SupportComment> e)
    {
        e.HasIndex(c => new { c.RequestId, c.CreatedAt });
        e.Property(c => c.AuthorName).HasMaxLength(200);
    }
}

sealed class SupportAttachmentConfiguration : IEntityTypeConfiguration<SupportAttachment>
{
    public void Configure(EntityTypeBuilder<SupportAttachment> e)
    {
        e.HasIndex(a => new { a.RequestId, a.UploadedAt });
        e.Property(a => a.FileName).HasMaxLength(200);
        e.Property(a => a.ContentType).HasMaxLength(100);
        e.Property(a => a.UploadedByName).HasMaxLength(200);
        e.HasOne<SupportRequest>().WithMany().HasForeignKey(a => a.RequestId).OnDelete(DeleteBehavior.Cascade);
    }
}
