using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Audit;

sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>
{
    public void Configure(EntityTypeBuilder<AuditRecord> e)
    {
        e.HasKey(r => r.Sequence);
        e.Property(r => r.Sequence).ValueGeneratedNever();
        e.HasIndex(r => r.ChangeId);
        e.HasIndex(r => new { r.EntityType, r.EntityId });
    }
}
