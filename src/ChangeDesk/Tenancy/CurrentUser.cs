using System.Security.Claims;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Tenancy;

public static class ChangeDeskClaims
{
    public const string UserId = ClaimTypes.NameIdentifier;
    public const string Tenant = "changedesk:tenant";
    public const string Role = ClaimTypes.Role;
    public const string Name = ClaimTypes.Name;
    public const string Email = ClaimTypes.Email;
    public const string SecurityStamp = "changedesk:stamp";

    public static ClaimsPrincipal Principal(User user, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(UserId, user.Id.ToString()),
                new Claim(Name, user.DisplayName),
                new Claim(Email, user.Email),
                new Claim(Role, user.Role.Name()),
                new Claim(SecurityStamp, user.SecurityStamp),
                .. user.TenantId is { } t ? new[] { new Claim(Tenant, t.ToString()) } : [],
            ],
            scheme, Name, Role));
}

/// <summary>
/// Who is acting in this scope. In a request it is the signed-in user; in commands and background work it is
/// the system, which sees every tenant. The database filters rows by <see cref="TenantId"/>.
/// </summary>
public sealed class CurrentUser(IHttpContextAccessor http)
{
    (Guid? Id, string Name, Role? Role, Guid? TenantId)? overridden;

    ClaimsPrincipal? Principal => http.HttpContext?.User is { Identity.IsAuthenticated: true } p ? p : null;

    /// <summary>Commands and background jobs: not a person, allowed everything.</summary>
    public bool IsSystem => overridden is { Role: null };

    public bool IsAuthenticated => overridden is not null || Principal is not null;

    /// <summary>A person signed in, as opposed to the service acting for an anonymous link (a confirmation, an approval).</summary>
    public bool IsSignedIn => Principal is not null;
    public Guid? Id => overridden is { } o ? o.Id : Guid.TryParse(Principal?.FindFirstValue(ChangeDeskClaims.UserId), out var id) ? id : null;
    public string Name => overridden?.Name ?? Principal?.FindFirstValue(ChangeDeskClaims.Name) ?? "system";
    public string? Email => overridden is null ? Principal?.FindFirstValue(ChangeDeskClaims.Email) : null;
    public Role? Role => overridden is { } o ? o.Role : Roles.TryParse(Principal?.FindFirstValue(ChangeDeskClaims.Role), out var r) ? r : null;
    public Guid? TenantId => overridden is { } o ? o.TenantId : Guid.TryParse(Principal?.FindFirstValue(ChangeDeskClaims.Tenant), out var t) ? t : null;

    /// <summary>Provider users and the system see all tenants; a customer sees its own.</summary>
    public Party Party => Role?.PartyOf() ?? Party.Provider;
    public bool IsProvider => Party == Party.Provider;

    public bool Is(params Role[] roles) => Role is { } r && roles.Contains(r);

    /// <summary>Acts as the system (commands, background jobs) for the rest of this scope.</summary>
    public void ActAsSystem(string name) => overridden = (null, name, null, null);

    public void ActAs(User user) => overridden = (user.Id, user.DisplayName, user.Role, user.TenantId);
}
