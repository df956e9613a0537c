using Microsoft.AspNetCore.Http.HttpResults;

namespace ChangeDesk.Support;

public static class FileEndpoint
{
    public static RouteGroupBuilder MapFileSupportRequest(this RouteGroupBuilder group)
    {
        group.MapPost("/", Create).WithName("CreateSupportRequest")
            .WithSummary("File a break/fix request for your tenant (tenant admins). Contact fields default to you.")
            .ProducesValidationProblem();
        return group;
    }

    static async Task<Created<SupportRequestView>> Create(SupportRequestInput input, FileSupportRequest file, CancellationToken ct)
    {
        var view = await file.HandleAsync(input, ct);
        return TypedResults.Created($"/api/support-requests/{view.Number}", view);
    }
}
