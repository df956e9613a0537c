using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Releases;

sealed class ReleaseConfiguration : IEntityTypeConfiguration<Release>
{
    public void Configure(EntityTypeBuilder<Release> e)
    {
        e.Property(r => r.Title).HasMaxLength(200);
        e.Property(r => r.CalendarKey).HasMaxLength(40);
        e.HasIndex(r => r.CalendarKey).IsUnique();
        e.HasIndex(r => new { r.State, r.PlannedStart });
        e.Property(r => r.Version).IsConcurrencyToken();
        e.Ignore(r => r.IsEmergency);
        e.HasMany(r => r.Targets).WithOne().HasForeignKey(t => t.ReleaseId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(r => r.Changes).WithOne().HasForeignKey(c => c.ReleaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class ReleaseTargetConfiguration : IEntityTypeConfiguration<ReleaseTarget>
{
    public void Configure(EntityTypeBuilder<ReleaseTarget> e)
    {
        e.HasKey(t => new { t.ReleaseId, t.TenantId });
        e.HasIndex(t => t.TenantId);
        e.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class ReleaseChangeConfiguration : IEntityTypeConfiguration<ReleaseChange>
{
    public void Configure(EntityTypeBuilder<ReleaseChange> e)
    {
        e.HasKey(c => new { c.ReleaseId, c.ChangeId });
        e.HasIndex(c => c.ChangeId);
        e.HasOne<Change>().WithMany().HasForeignKey(c => c.ChangeId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class TenantRingConfiguration : IEntityTypeConfiguration<TenantRing>
{
    public void Configure(EntityTypeBuilder<TenantRing> e)
    {
        e.Property(r => r.Name).HasMaxLength(50);
        e.HasIndex(r => new { r.TenantId, r.Position }).IsUnique();
        e.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class TenantRolloutConfiguration : IEntityTypeConfiguration<TenantRollout>
{
    public void Configure(EntityTypeBuilder<TenantRollout> e)
    {
        e.HasIndex(r => new { r.ReleaseId, r.TenantId }).IsUnique();
        e.HasIndex(r => r.TenantId);
        e.Property(r => r.Version).IsConcurrencyToken();
        e.Property(r => r.ScheduleMessageId).HasMaxLength(20);
        e.Property(r => r.StartMessageId).HasMaxLength(20);
        e.Property(r => r.SummaryMessageId).HasMaxLength(20);
        e.HasOne<Release>().WithMany().HasForeignKey(r => r.ReleaseId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(r => r.Rings).WithOne().HasForeignKey(r => r.TenantRolloutId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class RingRolloutConfiguration : IEntityTypeConfiguration<RingRollout>
{
    public void Configure(EntityTypeBuilder<RingRollout> e)
    {
        e.Property(r => r.Name).HasMaxLength(50);
        e.HasIndex(r => new { r.TenantRolloutId, r.Position }).IsUnique();
        e.HasIndex(r => new { r.ReleaseId, r.TenantId });
        e.Property(r => r.Version).IsConcurrencyToken();
    }
}

sealed class RolloutPauseConfiguration : IEntityTypeConfiguration<RolloutPause>
{
    public void Configure(EntityTypeBuilder<RolloutPause> e)
    {
        e.Property(p => p.Ring).HasMaxLength(50);
        e.Property(p => p.PausedBy).HasMaxLength(200);
        e.Property(p => p.LiftedBy).HasMaxLength(200);
        e.HasIndex(p => new { p.ReleaseId, p.TenantId, p.LiftedAt });
        e.HasOne<Release>().WithMany().HasForeignKey(p => p.ReleaseId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
        e.Ignore(p => p.IsActive);
    }
}

sealed class BlackoutWindowConfiguration : IEntityTypeConfiguration<BlackoutWindow>
{
    public void Configure(EntityTypeBuilder<BlackoutWindow> e)
    {
        e.Property(w => w.Title).HasMaxLength(200);
        e.Property(w => w.CreatedBy).HasMaxLength(200);
        e.HasIndex(w => new { w.TenantId, w.End });
        e.HasOne<Tenant>().WithMany().HasForeignKey(w => w.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
