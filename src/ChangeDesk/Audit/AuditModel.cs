using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Audit;

sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>
{
    public void Configure(EntityTypeBuilder<AuditRecord> e)
    {
        e.HasKey(r => r.Id);
        e.Property(r => r.Id).ValueGeneratedOnAdd();
        e.HasIndex(r => r.Sequence).IsUnique();
        // What the chainer looks for: the records not chained yet, in the order they were written.
        e.HasIndex(r => r.Id).HasDatabaseName("IX_AuditRecords_Unchained").HasFilter("\"Sequence\" IS NULL");
        e.HasIndex(r => r.ChangeId);
        e.HasIndex(r => new { r.EntityType, r.EntityId });
    }
}
