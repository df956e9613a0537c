using System.Text;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChangeDesk.Applications;

public static class ApplicationsApi
{
    public static IEndpointRouteBuilder MapApplications(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId:guid}/applications").WithTags("Applications").RequireAuthorization().WithEntityTags();
        group.MapGet("/", List).WithName("ListApplications")
            .WithSummary("The tenant's business applications, by name (the tenant's users; provider users for any tenant).");
        group.MapPost("/", Create).WithName("CreateApplication")
            .WithSummary("Add an application to the tenant's catalog (tenant admins, provider admins). Names are unique in a catalog, whatever their case.")
            .ProducesValidationProblem();
        group.MapGet("/{id:guid}", Get).WithName("GetApplication")
            .WithSummary("One application. Sends an ETag; honours If-None-Match with 304.").Produces(StatusCodes.Status304NotModified);
        group.MapPut("/{id:guid}", Update).WithName("UpdateApplication")
            .WithSummary("Replace an application's details (tenant admins, provider admins); If-Match refuses a stale edit with 412.")
            .ProducesValidationProblem();
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteApplication")
            .WithSummary("Remove an application from the catalog (tenant admins, provider admins).");
        group.MapGet("/export", Export).WithName("ExportApplications")
            .WithSummary("The catalog as CSV, in the columns the import reads.").Produces<string>(StatusCodes.Status200OK, "text/csv");
        group.MapPost("/import", Import).WithName("ImportApplications")
            .WithSummary("Import a CSV (the export's columns; a header row; services separated by semicolons): rows update the application of the same name or add one. All rows or none: errors name the line and the column.")
            .Accepts<string>("text/csv").ProducesValidationProblem();
        return app;
    }

    static async Task<Ok<IReadOnlyList<ApplicationView>>> List(Guid tenantId, ApplicationCatalog catalog, CancellationToken ct) =>
        TypedResults.Ok(await catalog.ListAsync(tenantId, ct));

    static async Task<Ok<ApplicationView>> Get(Guid tenantId, Guid id, ApplicationCatalog catalog, CancellationToken ct) =>
        TypedResults.Ok(await catalog.GetAsync(tenantId, id, ct));

    static async Task<Created<ApplicationView>> Create(Guid tenantId, ApplicationInput input, ApplicationCatalog catalog, CancellationToken ct)
    {
        var view = await catalog.CreateAsync(tenantId, input, ct);
        return TypedResults.Created($"/api/tenants/{tenantId}/applications/{view.Id}", view);
    }

    static async Task<Ok<ApplicationView>> Update(
        Guid tenantId, Guid id, ApplicationInput input, [FromHeader(Name = "If-Match")] string? ifMatch, ApplicationCatalog catalog, CancellationToken ct) =>
        TypedResults.Ok(await catalog.UpdateAsync(tenantId, id, input, ifMatch, ct));

    static async Task<NoContent> Delete(Guid tenantId, Guid id, [FromHeader(Name = "If-Match")] string? ifMatch, ApplicationCatalog catalog, CancellationToken ct)
    {
        await catalog.DeleteAsync(tenantId, id, ifMatch, ct);
        return TypedResults.NoContent();
    }

    static async Task<FileContentHttpResult> Export(Guid tenantId, ApplicationCatalog catalog, CancellationToken ct) =>
        TypedResults.File(Encoding.UTF8.GetBytes(ApplicationCsv.Write(await catalog.ListAsync(tenantId, ct))), "text/csv; charset=utf-8", "applications.csv");

    static async Task<Ok<ImportResult>> Import(Guid tenantId, HttpRequest request, ImportApplications import, CancellationToken ct)
    {
        if (request.ContentType is not { } type || !type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            throw new ProblemException(415, "unsupported-media-type", "Send the file as text/csv.",
                "The body is the CSV file itself, with Content-Type: text/csv (UTF-8).");
        }
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        // Read whole first (the body limit bounds it), so that the parser works on memory and not on the network.
        using var text = new StringReader(await reader.ReadToEndAsync(ct));
        return TypedResults.Ok(await import.HandleAsync(tenantId, text, ct));
    }
}
