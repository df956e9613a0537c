using System.Text.Encodings.Web;
using ChangeDesk.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChangeDesk.Tenancy;

public static class AuthSchemes
{
    public const string Token = "ApiToken";
    public const string Cookie = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>Bearer token when the request carries one, the sign-in cookie otherwise.</summary>
    public const string Either = "TokenOrCookie";
}

public static class Policies
{
    public const string Provider = "provider";
    public const string ProviderAdmin = "provider-admin";
    public const string Author = "author";
    public const string TenantAdmin = "tenant-admin";

    public static IServiceCollection AddChangeDeskAuth(this IServiceCollection services)
    {
        services.AddAuthentication(AuthSchemes.Either)
            .AddPolicyScheme(AuthSchemes.Either, "Token or cookie", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? AuthSchemes.Token : AuthSchemes.Cookie)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(AuthSchemes.Token, null)
            .AddCookie(AuthSchemes.Cookie, o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/forbidden";
                o.Cookie.Name = "changedesk";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                // Secure whenever the request is https (directly, or as a configured proxy forwards it).
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                // The API answers 401/403 with problem details instead of redirecting to the sign-in page.
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = CheckSecurityStampAsync;
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Provider, p => p.RequireRole(Role.ProviderAdmin.Name(), Role.ReleaseManager.Name(), Role.SupportEngineer.Name()))
            .AddPolicy(Policies.ProviderAdmin, p => p.RequireRole(Role.ProviderAdmin.Name()))
            .AddPolicy(Policies.Author, p => p.RequireRole(Role.ProviderAdmin.Name(), Role.ReleaseManager.Name(), Role.TenantAdmin.Name()))
            .AddPolicy(Policies.TenantAdmin, p => p.RequireRole(Role.TenantAdmin.Name()));
        return services;
    }

    /// <summary>
    /// A cookie is good only while its user is enabled and has the stamp it was issued with: signing out, a new
    /// password and "sign out everywhere" change the stamp, so every earlier cookie fails on its next request.
    /// </summary>
    static async Task CheckSecurityStampAsync(CookieValidatePrincipalContext ctx)
    {
        var stamp = ctx.Principal?.FindFirst(ChangeDeskClaims.SecurityStamp)?.Value;
        var current = Guid.TryParse(ctx.Principal?.FindFirst(ChangeDeskClaims.UserId)?.Value, out var id) && stamp is not null
            ? await ctx.HttpContext.RequestServices.GetRequiredService<ChangeDeskDb>().Users.IgnoreQueryFilters().AsNoTracking()
                .Where(u => u.Id == id && !u.IsDisabled).Select(u => u.SecurityStamp).FirstOrDefaultAsync(ctx.HttpContext.RequestAborted)
            : null;
        if (current is null || current != stamp)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(AuthSchemes.Cookie);
        }
    }

    static Task ApiAware(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/graph"))
        {
            ctx.Response.StatusCode = status;
            if (status == StatusCodes.Status401Unauthorized)
            {
                // RFC 9110: a 401 names the scheme to authenticate with, as the bearer handler's own challenge does.
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
            }
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>Authenticates `Authorization: Bearer cdk_…` against the hashed API tokens.</summary>
public sealed class ApiTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ChangeDeskDb db, ApiTokenUsage usage)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var hash = Accounts.HashToken(header["Bearer ".Length..].Trim());
        var found = await db.ApiTokens.IgnoreQueryFilters().AsNoTracking()
            .Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Select(t => new { t.Id, t.LastUsedAt, t.User })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (found?.User is not { IsDisabled: false } user)
        {
            return AuthenticateResult.Fail("The bearer token is unknown or revoked.");
        }
        // Usage time is telemetry, not data: written in the background, at most once a minute per token.
        usage.Used(found.Id, found.LastUsedAt);
        var principal = ChangeDeskClaims.Principal(user, AuthSchemes.Token);
        // Request limits count per token, as Graph counts per app.
        ((System.Security.Claims.ClaimsIdentity)principal.Identity!).AddClaim(new(TokenIdClaim, found.Id.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, AuthSchemes.Token));
    }

    public const string TokenIdClaim = "changedesk:token";

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
