using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Tenancy;

public sealed record MeView(Guid? Id, string Name, string? Email, string? Role, string Party, Guid? TenantId);
public sealed record TenantInput([property: MaxLength(InputBounds.Name)] string? Name);
public sealed record UserInput(
    [property: MaxLength(InputBounds.Address)] string? Email, [property: MaxLength(InputBounds.Name)] string? DisplayName,
    [property: MaxLength(InputBounds.Key)] string? Role, Guid? TenantId, [property: MaxLength(InputBounds.Password)] string? Password);
public sealed record TokenInput([property: MaxLength(InputBounds.Name)] string? Name);

public static class TenancyApi
{
    public static IEndpointRouteBuilder MapTenancy(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization();
        api.MapGet("/me", Me).WithTags("Account").WithName("GetMe").WithSummary("Who the token or cookie belongs to.");

        var tenants = api.MapGroup("/tenants").WithTags("Tenants");
        tenants.MapGet("/", ListTenants).WithName("ListTenants").WithSummary("All tenants for the provider; your own tenant for a customer.");
        tenants.MapPost("/", CreateTenant).WithName("CreateTenant").RequireAuthorization(Policies.ProviderAdmin);

        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", ListUsers).WithName("ListUsers").WithSummary("Provider admins see everyone; tenant admins see their tenant's users.");
        users.MapPost("/", CreateUser).WithName("CreateUser")
            .WithSummary("Create a user. Tenant admins may create users of their own tenant only.");
        users.MapGet("/{id:guid}/tokens", ListUserTokens).WithName("ListUserTokens")
            .WithSummary("A user's API tokens (never their secrets): your own, your tenant's users' (tenant admins), anyone's (provider admins).");
        users.MapDelete("/{id:guid}/tokens/{tokenId:guid}", RevokeUserToken).WithName("RevokeUserToken")
            .WithSummary("Revoke a user's API token, with the same rights as listing them.");
        users.MapPost("/{id:guid}/disable", DisableUser).WithName("DisableUser")
            .WithSummary("Disable a user: their sessions end, their tokens stop working, they cannot sign in. Tenant admins for their tenant's users, provider admins for anyone.");
        users.MapPost("/{id:guid}/enable", EnableUser).WithName("EnableUser").WithSummary("Enable a disabled user again, with the rights of disabling.");
        users.MapPost("/{id:guid}/sign-out-everywhere", SignOutEverywhere).WithName("SignOutEverywhere")
            .WithSummary("End every sign-in session of a user: your own, a user of your tenant (tenant admins), anyone (provider admins).");

        var tokens = api.MapGroup("/tokens").WithTags("Account");
        tokens.MapGet("/", ListTokens).WithName("ListTokens").WithSummary("Your API tokens (never their secrets).");
        tokens.MapPost("/", CreateToken).WithName("CreateToken").WithSummary("Create an API token; the secret is in the response once.");
        tokens.MapDelete("/{id:guid}", RevokeToken).WithName("RevokeToken");
        return app;
    }

    static Ok<MeView> Me(CurrentUser user) =>
        TypedResults.Ok(new MeView(user.Id, user.Name, user.Email, user.Role?.Name(), EnumNames.Of(user.Party), user.TenantId));

    static async Task<Ok<IReadOnlyList<TenantView>>> ListTenants(Accounts accounts, CancellationToken ct) =>
        TypedResults.Ok(await accounts.TenantsAsync(ct));

    static async Task<Created<TenantView>> CreateTenant(TenantInput input, Accounts accounts, CancellationToken ct)
    {
        var tenant = await accounts.CreateTenantAsync(input.Name, ct);
        return TypedResults.Created($"/api/tenants/{tenant.Id}", tenant);
    }

    static async Task<Ok<IReadOnlyList<UserView>>> ListUsers(Guid? tenantId, Accounts accounts, CancellationToken ct) =>
        TypedResults.Ok(await accounts.UsersAsync(tenantId, ct));

    static async Task<Created<UserView>> CreateUser(UserInput input, Accounts accounts, CancellationToken ct)
    {
        var user = await accounts.CreateUserAsync(input.Email, input.DisplayName, input.Role, input.TenantId, input.Password, ct);
        return TypedResults.Created($"/api/users/{user.Id}", user);
    }

    static async Task<Ok<IReadOnlyList<TokenView>>> ListUserTokens(Guid id, Accounts accounts, CancellationToken ct) =>
        TypedResults.Ok(await accounts.TokensAsync(id, ct));

    static async Task<NoContent> RevokeUserToken(Guid id, Guid tokenId, Accounts accounts, CancellationToken ct)
    {
        await accounts.RevokeTokenAsync(id, tokenId, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<UserView>> DisableUser(Guid id, Accounts accounts, CancellationToken ct) =>
        TypedResults.Ok(await accounts.SetDisabledAsync(id, true, ct));

    static async Task<Ok<UserView>> EnableUser(Guid id, Accounts accounts, CancellationToken ct) =>
        TypedResults.Ok(await accounts.SetDisabledAsync(id, false, ct));

    static async Task<NoContent> SignOutEverywhere(Guid id, Accounts accounts, CancellationToken ct)
    {
        await accounts.EndSessionsAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<TokenView>>> ListTokens(CurrentUser user, Accounts accounts, CancellationToken ct) =>
        TypedResults.Ok(await accounts.TokensAsync(user.Id!.Value, ct));

    static async Task<Created<CreatedToken>> CreateToken(TokenInput input, CurrentUser user, Accounts accounts, CancellationToken ct)
    {
        var token = await accounts.CreateTokenAsync(user.Id!.Value, input.Name, ct);
        return TypedResults.Created($"/api/tokens/{token.Token.Id}", token);
    }

    static async Task<NoContent> RevokeToken(Guid id, CurrentUser user, Accounts accounts, CancellationToken ct)
    {
        await accounts.RevokeTokenAsync(user.Id!.Value, id, ct);
        return TypedResults.NoContent();
    }
}
