using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Responsibility;

sealed class ResponsibilityOverrideConfiguration : IEntityTypeConfiguration<ResponsibilityOverride>
{
    public void Configure(EntityTypeBuilder<ResponsibilityOverride> e)
    {
        e.HasIndex(o => new { o.TenantId, o.Activity, o.Scope }).IsUnique();
        e.HasOne<Tenant>().WithMany().HasForeignKey(o => o.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class SettingConfiguration : IEntityTypeConfiguration<Setting>
{
    public void Configure(EntityTypeBuilder<Setting> e) => e.HasKey(s => s.Key);
}
