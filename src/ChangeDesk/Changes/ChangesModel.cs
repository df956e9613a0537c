using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Changes;

sealed class ChangeTypeConfiguration : IEntityTypeConfiguration<ChangeType>
{
    public void Configure(EntityTypeBuilder<ChangeType> e)
    {
        e.HasKey(t => t.Key);
        e.Ignore(t => t.Subtypes);
        e.Ignore(t => t.DeliveringActivity);
    }
}

sealed class ChangeConfiguration : IEntityTypeConfiguration<Change>
{
    public void Configure(EntityTypeBuilder<Change> e)
    {
        e.Property(c => c.Title).HasMaxLength(200);
        e.Property(c => c.Version).IsConcurrencyToken();
        e.HasOne<ChangeType>().WithMany().HasForeignKey(c => c.TypeKey).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Tenant>().WithMany().HasForeignKey(c => c.OwnerTenantId).OnDelete(DeleteBehavior.Restrict);
        e.HasMany(c => c.Targets).WithOne().HasForeignKey(t => t.ChangeId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(c => c.Mitigations).WithOne().HasForeignKey(m => m.ChangeId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(c => c.Tasks).WithOne().HasForeignKey(t => t.ChangeId).OnDelete(DeleteBehavior.Cascade);
        e.Ignore(c => c.Number);
        e.Ignore(c => c.OwnerParty);
        e.HasIndex(c => new { c.OwnerTenantId, c.State, c.PlannedStart });
        e.HasIndex(c => new { c.State, c.PlannedStart });
    }
}

sealed class ChangeTargetConfiguration : IEntityTypeConfiguration<ChangeTarget>
{
    public void Configure(EntityTypeBuilder<ChangeTarget> e)
    {
        e.HasKey(t => new { t.ChangeId, t.TenantId });
        e.HasIndex(t => t.TenantId);
        e.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class ChecklistTaskConfiguration : IEntityTypeConfiguration<ChecklistTask>
{
    public void Configure(EntityTypeBuilder<ChecklistTask> e)
    {
        e.HasIndex(t => new { t.ChangeId, t.Phase });
        e.HasIndex(t => new { t.TenantId, t.CompletedAt });
    }
}
