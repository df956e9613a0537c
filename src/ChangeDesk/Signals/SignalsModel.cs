using ChangeDesk.Releases;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Signals;

sealed class SignalAggregateConfiguration : IEntityTypeConfiguration<SignalAggregate>
{
    public void Configure(EntityTypeBuilder<SignalAggregate> e)
    {
        e.Property(a => a.Ring).HasMaxLength(50);
        e.HasIndex(a => a.RingRolloutId).IsUnique();
        e.HasIndex(a => new { a.ReleaseId, a.TenantId });
        e.Ignore(a => a.ReliabilityEvents);
        e.HasOne<RingRollout>().WithMany().HasForeignKey(a => a.RingRolloutId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class SignalBucketConfiguration : IEntityTypeConfiguration<SignalBucket>
{
    public void Configure(EntityTypeBuilder<SignalBucket> e)
    {
        e.HasIndex(s => new { s.RingRolloutId, s.BucketStart }).IsUnique();
        e.HasIndex(s => new { s.ReleaseId, s.TenantId });
        e.HasOne<RingRollout>().WithMany().HasForeignKey(s => s.RingRolloutId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class SignalReceiptConfiguration : IEntityTypeConfiguration<SignalReceipt>
{
    public void Configure(EntityTypeBuilder<SignalReceipt> e)
    {
        e.HasKey(r => r.EventId);
        e.Property(r => r.EventId).HasMaxLength(100);
        e.HasIndex(r => r.ReleaseId);
        e.HasOne<Release>().WithMany().HasForeignKey(r => r.ReleaseId).OnDelete(DeleteBehavior.Cascade);
    }
}
