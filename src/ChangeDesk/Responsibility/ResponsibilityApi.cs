using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Responsibility;

public sealed record CellInput([property: MaxLength(InputBounds.Name)] string? Responsible, Guid? TenantId);
public sealed record NameInput([property: MaxLength(InputBounds.Name)] string? Name);

public static class ResponsibilityApi
{
    public static IEndpointRouteBuilder MapResponsibility(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/responsibility-matrix").WithTags("Responsibility matrix").RequireAuthorization();
        group.MapGet("/", Get).WithName("GetResponsibilityMatrix")
            .WithSummary("The effective matrix. Customers get their own; the provider may name a tenant. format=csv or format=markdown exports it.");
        var admin = group.MapGroup("/").RequireAuthorization(Policies.ProviderAdmin);
        admin.MapPut("/cells/{activity}/{scope}", SetCell).WithName("SetResponsibility")
            .WithSummary("Override one cell, service-wide or (with tenantId) for one tenant.");
        admin.MapDelete("/cells/{activity}/{scope}", ClearCell).WithName("ClearResponsibility")
            .WithSummary("Remove an override so the cell falls back to the service-wide value or the default.");
        admin.MapPut("/scopes/{scope}", RenameScope).WithName("RenameScope").WithSummary("Rename a scope (column).");
        admin.MapPut("/provider", RenameProvider).WithName("RenameProvider").WithSummary("Set the provider's name shown in the matrix.");
        return app;
    }

    static async Task<IResult> Get(Guid? tenantId, string? format, MatrixService matrices, CancellationToken ct)
    {
        var view = await matrices.ViewAsync(tenantId, ct);
        return format?.ToLowerInvariant() switch
        {
            null or "" or "json" => TypedResults.Ok(view),
            "csv" => TypedResults.File(System.Text.Encoding.UTF8.GetBytes(MatrixService.ToCsv(view)), "text/csv; charset=utf-8", "responsibility-matrix.csv"),
            "markdown" or "md" => TypedResults.File(System.Text.Encoding.UTF8.GetBytes(MatrixService.ToMarkdown(view)), "text/markdown; charset=utf-8", "responsibility-matrix.md"),
            _ => throw ValidationFailedException.For("format", "Format must be json, csv or markdown."),
        };
    }

    static (Activity, Scope) ParseCell(string activity, string scope)
    {
        var errors = new Dictionary<string, string[]>();
        if (!EnumNames.TryParse<Activity>(activity, out var a))
        {
            errors["activity"] = [$"Activity must be one of {EnumNames.List<Activity>()}."];
        }
        if (!EnumNames.TryParse<Scope>(scope, out var s))
        {
            errors["scope"] = [$"Scope must be one of {EnumNames.List<Scope>()}."];
        }
        return errors.Count > 0 ? throw new ValidationFailedException(errors) : (a, s);
    }

    static async Task<Ok<MatrixView>> SetCell(string activity, string scope, CellInput input, MatrixService matrices, CancellationToken ct)
    {
        var (a, s) = ParseCell(activity, scope);
        if (!EnumNames.TryParse<Responsible>(input.Responsible, out var who))
        {
            throw ValidationFailedException.For("responsible", $"Responsible must be one of {EnumNames.List<Responsible>()}.");
        }
        await matrices.SetCellAsync(a, s, who, input.TenantId, ct);
        return TypedResults.Ok(await matrices.ViewAsync(input.TenantId, ct));
    }

    static async Task<Results<Ok<MatrixView>, NotFound>> ClearCell(string activity, string scope, Guid? tenantId, MatrixService matrices, CancellationToken ct)
    {
        var (a, s) = ParseCell(activity, scope);
        if (!await matrices.ClearCellAsync(a, s, tenantId, ct))
        {
            throw new NotFoundException("Override", $"{activity}/{scope}");
        }
        return TypedResults.Ok(await matrices.ViewAsync(tenantId, ct));
    }

    static async Task<Ok<MatrixView>> RenameScope(string scope, NameInput input, MatrixService matrices, CancellationToken ct)
    {
        if (!EnumNames.TryParse<Scope>(scope, out var s))
        {
            throw ValidationFailedException.For("scope", $"Scope must be one of {EnumNames.List<Scope>()}.");
        }
        await matrices.RenameScopeAsync(s, input.Name ?? "", ct);
        return TypedResults.Ok(await matrices.ViewAsync(null, ct));
    }

    static async Task<Ok<MatrixView>> RenameProvider(NameInput input, MatrixService matrices, CancellationToken ct)
    {
        await matrices.RenameProviderAsync(input.Name ?? "", ct);
        return TypedResults.Ok(await matrices.ViewAsync(null, ct));
    }
}
