using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Tenancy;

public enum Role
{
    ProviderAdmin,
    ReleaseManager,
    SupportEngineer,
    TenantAdmin,
    TenantReader,
}

public static class Roles
{
    public static Party PartyOf(this Role role) =>
        role is Role.TenantAdmin or Role.TenantReader ? Party.Customer : Party.Provider;

    /// <summary>The name used in the API, the CLI and claims, e.g. "release-manager".</summary>
    public static string Name(this Role role) => role switch
    {
        Role.ProviderAdmin => "provider-admin",
        Role.ReleaseManager => "release-manager",
        Role.SupportEngineer => "support-engineer",
        Role.TenantAdmin => "tenant-admin",
        Role.TenantReader => "tenant-reader",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? value, out Role role)
    {
        foreach (var candidate in Enum.GetValues<Role>())
        {
            if (string.Equals(candidate.Name(), value, StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        }
        role = default;
        return false;
    }

    public static string AllNames => string.Join(", ", Enum.GetValues<Role>().Select(r => r.Name()));
}

public sealed class User : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();
    public required string Email { get; set; }
    public required string DisplayName { get; set; }
    public Role Role { get; set; }

    /// <summary>Null for provider users; the customer's tenant otherwise.</summary>
    public Guid? TenantId { get; init; }

    [NotAudited]
    public string? PasswordHash { get; set; }

    public bool IsDisabled { get; set; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// Carried in every sign-in cookie and checked on each request: a new stamp ends every session the user has,
    /// as signing out, a new password or "sign out everywhere" must.
    /// </summary>
    [NotAudited]
    public string SecurityStamp { get; private set; } = NewStamp();

    public void EndSessions() => SecurityStamp = NewStamp();

    static string NewStamp() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

public sealed class ApiToken : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();
    public Guid UserId { get; init; }
    public User? User { get; init; }
    public required string Name { get; set; }

    /// <summary>The first characters of the token, shown so a user can tell tokens apart.</summary>
    public required string Prefix { get; init; }

    [NotAudited]
    public required string TokenHash { get; init; }

    public Guid? TenantId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}
