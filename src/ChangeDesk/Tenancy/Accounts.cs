using System.Security.Cryptography;
using System.Text;
using ChangeDesk.Data;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Tenancy;

public sealed record TenantView(Guid Id, string Name, DateTimeOffset CreatedAt);
public sealed record UserView(Guid Id, string Email, string DisplayName, string Role, Guid? TenantId, bool IsDisabled, DateTimeOffset CreatedAt);
public sealed record TokenView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);
public sealed record CreatedToken(TokenView Token, string Secret);

/// <summary>Tenants, users, passwords and API tokens: used by the admin commands, the API and the pages.</summary>
public sealed class Accounts(ChangeDeskDb db, CurrentUser current, TimeProvider clock)
{
    static readonly PasswordHasher<User> Hasher = new();
    const string TokenPrefix = "cdk_";

    public async Task<TenantView> CreateTenantAsync(string? name, CancellationToken ct = default)
    {
        RequireProviderAdminOrSystem();
        name = name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            throw ValidationFailedException.For("name", "A tenant name of 1 to 200 characters is required.");
        }
        if (await db.Tenants.IgnoreQueryFilters().AnyAsync(t => t.Name == name, ct))
        {
            throw new ConflictException("duplicate-tenant", $"A tenant named '{name}' already exists.");
        }
        var tenant = new Tenant { Name = name, CreatedAt = clock.GetUtcNow() };
        db.Tenants.Add(tenant);
        db.AuditOperation = "Create tenant";
        await db.SaveChangesAsync(ct);
        return new TenantView(tenant.Id, tenant.Name, tenant.CreatedAt);
    }

    public async Task<IReadOnlyList<TenantView>> TenantsAsync(CancellationToken ct = default) =>
        await db.Tenants.AsNoTracking().OrderBy(t => t.Name).Select(t => new TenantView(t.Id, t.Name, t.CreatedAt)).ToListAsync(ct);

    public async Task<UserView> CreateUserAsync(string? email, string? displayName, string? roleName, Guid? tenantId, string? password, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        email = email?.Trim().ToLowerInvariant() ?? "";
        if (email.Length is 0 or > 320 || !email.Contains('@'))
        {
            errors["email"] = ["A valid email address is required."];
        }
        if (!Roles.TryParse(roleName, out var role))
        {
            errors["role"] = [string.IsNullOrWhiteSpace(roleName)
                ? $"A role is required: one of {Roles.AllNames}."
                : $"Unknown role '{roleName}': use one of {Roles.AllNames}."];
        }
        else if (role.PartyOf() == Responsibility.Party.Customer && tenantId is null)
        {
            errors["tenant"] = [$"A {role.Name()} belongs to a tenant: give the tenant id."];
        }
        else if (role.PartyOf() == Responsibility.Party.Provider && tenantId is not null)
        {
            errors["tenant"] = [$"A {role.Name()} is provider staff and belongs to no tenant."];
        }
        if (password is not null && password.Length < 8)
        {
            errors["password"] = ["The password must be at least 8 characters."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        // Provider admins manage everyone; a tenant admin manages the people of its own tenant.
        var allowed = current.IsSystem || current.Is(Role.ProviderAdmin)
            || (current.Is(Role.TenantAdmin) && tenantId == current.TenantId);
        if (!allowed)
        {
            throw new ForbiddenException("Only provider admins, and tenant admins for their own tenant, can create users.");
        }
        if (tenantId is { } t && !await db.Tenants.AnyAsync(x => x.Id == t, ct))
        {
            throw new NotFoundException("Tenant", t);
        }
        if (await db.Users.IgnoreQueryFilters().AnyAsync(u => u.Email == email, ct))
        {
            throw new ConflictException("duplicate-user", $"A user with email '{email}' already exists.");
        }
        var user = new User
        {
            Email = email,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? email : displayName.Trim(),
            Role = role,
            TenantId = tenantId,
            CreatedAt = clock.GetUtcNow(),
        };
        if (password is not null)
        {
            user.PasswordHash = Hasher.HashPassword(user, password);
        }
        db.Users.Add(user);
        db.AuditOperation = "Create user";
        await db.SaveChangesAsync(ct);
        return ToView(user);
    }

    public async Task<IReadOnlyList<UserView>> UsersAsync(Guid? tenantId, CancellationToken ct = default)
    {
        if (!current.Is(Role.ProviderAdmin, Role.TenantAdmin))
        {
            throw new ForbiddenException("Only provider admins and tenant admins can list users.");
        }
        var query = db.Users.AsNoTracking();
        if (tenantId is { } t)
        {
            query = query.Where(u => u.TenantId == t);
        }
        var users = await query.OrderBy(u => u.Email).ToListAsync(ct);
        return users.Select(ToView).ToList();
    }

    public async Task SetPasswordAsync(string email, string password, CancellationToken ct = default)
    {
        if (password.Length < 8)
        {
            throw ValidationFailedException.For("password", "The password must be at least 8 characters.");
        }
        var normalized = email.Trim().ToLowerInvariant();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == normalized, ct) ?? throw new NotFoundException("User", email);
        user.PasswordHash = Hasher.HashPassword(user, password);
        user.EndSessions();
        db.AuditOperation = "Set password";
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Ends every sign-in session of a user at once (signing out, "sign out everywhere"): their cookies are refused
    /// from the next request on. Users may end their own; tenant admins those of their tenant's users (others are
    /// not found, as the tenant filter hides them); provider admins anyone's.
    /// </summary>
    public async Task EndSessionsAsync(Guid userId, CancellationToken ct = default)
    {
        var user = await ManagedUserAsync(userId, "sign other users out", ct);
        user.EndSessions();
        db.AuditOperation = user.Id == current.Id ? "Sign out everywhere" : $"Sign {user.Email} out everywhere";
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Disables a user (their sessions end and their tokens stop working at once; they cannot sign in) or enables
    /// them again. Admins only, with the rights of <see cref="EndSessionsAsync"/>; nobody disables themself.
    /// </summary>
    public async Task<UserView> SetDisabledAsync(Guid userId, bool disabled, CancellationToken ct = default)
    {
        if (current.Id == userId)
        {
            throw new ForbiddenException("You cannot disable or enable your own account.");
        }
        var user = await ManagedUserAsync(userId, "disable users", ct);
        if (user.IsDisabled != disabled)
        {
            user.IsDisabled = disabled;
            user.EndSessions();
            db.AuditOperation = disabled ? $"Disable {user.Email}" : $"Enable {user.Email}";
            await db.SaveChangesAsync(ct);
        }
        return ToView(user);
    }

    /// <summary>
    /// A user whose sessions and tokens the caller may manage: their own; a user of their tenant for tenant admins
    /// (others are not found, as the tenant filter hides them); anyone for provider admins and the system.
    /// </summary>
    async Task<User> ManagedUserAsync(Guid userId, string what, CancellationToken ct)
    {
        var own = current.Id == userId;
        if (!own && !current.IsSystem && !current.Is(Role.ProviderAdmin, Role.TenantAdmin))
        {
            throw new ForbiddenException($"Only admins can {what}.");
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new NotFoundException("User", userId);
        if (!own && current.Is(Role.TenantAdmin) && user.TenantId != current.TenantId)
        {
            throw new NotFoundException("User", userId);
        }
        return user;
    }

    /// <summary>
    /// Checks a password; returns the user when it is right and the account is enabled. An unknown email, an account
    /// without a password and a disabled account cost one hash verification as a wrong password does, so the time
    /// of the answer does not tell which emails have accounts.
    /// </summary>
    public async Task<User?> CheckPasswordAsync(string? email, string? password, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            return null;
        }
        var normalized = email.Trim().ToLowerInvariant();
        var user = await db.Users.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(u => u.Email == normalized, ct);
        var verified = Hasher.VerifyHashedPassword(NoUser, user?.PasswordHash ?? NoUserHash, password) != PasswordVerificationResult.Failed;
        return verified && user is { PasswordHash: not null, IsDisabled: false } ? user : null;
    }

    // Hashed as every password is (same algorithm and work factor), from a random secret nobody knows.
    static readonly User NoUser = new() { Email = "", DisplayName = "" };
    static readonly string NoUserHash = Hasher.HashPassword(NoUser, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Creates an API token for a user. The secret is returned once and only its hash is stored.</summary>
    public async Task<CreatedToken> CreateTokenAsync(Guid userId, string? name, CancellationToken ct = default)
    {
        name = string.IsNullOrWhiteSpace(name) ? "api" : name.Trim();
        if (name.Length > 100)
        {
            throw ValidationFailedException.For("name", "The token name must be 100 characters or fewer.");
        }
        var user = await db.Users.IgnoreQueryFilters().FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw new NotFoundException("User", userId);
        if (!current.IsSystem && current.Id != userId && !current.Is(Role.ProviderAdmin))
        {
            throw new ForbiddenException("You can create tokens for yourself only.");
        }
        var secret = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var token = new ApiToken
        {
            UserId = user.Id,
            TenantId = user.TenantId,
            Name = name,
            Prefix = secret[..10],
            TokenHash = HashToken(secret),
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiTokens.Add(token);
        db.AuditOperation = "Create API token";
        await db.SaveChangesAsync(ct);
        return new CreatedToken(ToView(token), secret);
    }

    public async Task<IReadOnlyList<TokenView>> TokensAsync(Guid userId, CancellationToken ct = default)
    {
        await ManagedUserAsync(userId, "see other users' tokens", ct);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new TokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToListAsync(ct);
    }

    /// <summary>Revokes one token of a user, or every active one when <paramref name="tokenId"/> is null.</summary>
    public async Task RevokeTokenAsync(Guid userId, Guid? tokenId, CancellationToken ct = default)
    {
        var user = await ManagedUserAsync(userId, "revoke other users' tokens", ct);
        var tokens = await db.ApiTokens.Where(t => t.UserId == userId && (tokenId == null ? t.RevokedAt == null : t.Id == tokenId)).ToListAsync(ct);
        if (tokenId is { } id && tokens.Count == 0)
        {
            throw new NotFoundException("Token", id);
        }
        var now = clock.GetUtcNow();
        foreach (var token in tokens.Where(t => t.RevokedAt is null))
        {
            token.RevokedAt = now;
        }
        db.AuditOperation = user.Id == current.Id ? "Revoke API token" : $"Revoke API token of {user.Email}";
        await db.SaveChangesAsync(ct);
    }

    public static string HashToken(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    void RequireProviderAdminOrSystem()
    {
        if (!current.IsSystem && !current.Is(Role.ProviderAdmin))
        {
            throw new ForbiddenException("Only provider admins can create tenants.");
        }
    }

    static UserView ToView(User u) => new(u.Id, u.Email, u.DisplayName, u.Role.Name(), u.TenantId, u.IsDisabled, u.CreatedAt);
    static TokenView ToView(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}
