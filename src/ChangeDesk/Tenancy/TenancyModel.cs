using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChangeDesk.Tenancy;

sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> e)
    {
        e.Property(t => t.Name).HasMaxLength(200);
        e.HasIndex(t => t.Name).IsUnique();
    }
}

sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> e)
    {
        e.Property(u => u.Email).HasMaxLength(320);
        e.HasIndex(u => u.Email).IsUnique();
        e.Property(u => u.DisplayName).HasMaxLength(200);
        e.Property(u => u.SecurityStamp).HasMaxLength(32);
        e.HasIndex(u => u.TenantId);
        e.HasOne<Tenant>().WithMany().HasForeignKey(u => u.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> e)
    {
        e.HasIndex(t => t.TokenHash).IsUnique();
        e.Property(t => t.Name).HasMaxLength(100);
        e.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
