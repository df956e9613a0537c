using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Approvals;

sealed class ChangeApprovalConfiguration : IEntityTypeConfiguration<ChangeApproval>
{
    public void Configure(EntityTypeBuilder<ChangeApproval> e)
    {
        e.HasIndex(a => new { a.ChangeId, a.TenantId }).IsUnique();
        e.HasIndex(a => new { a.State, a.Deadline });
        e.HasIndex(a => a.TenantId);
        e.Property(a => a.Version).IsConcurrencyToken();
        e.HasOne<Change>().WithMany().HasForeignKey(a => a.ChangeId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class TenantApproverConfiguration : IEntityTypeConfiguration<TenantApprover>
{
    public void Configure(EntityTypeBuilder<TenantApprover> e)
    {
        e.HasIndex(a => new { a.TenantId, a.UserId }).IsUnique();
        e.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
