using Microsoft.AspNetCore.Http.HttpResults;

namespace ChangeDesk.Support;

public static class CommentEndpoints
{
    public static RouteGroupBuilder MapCommentsAndAttachments(this RouteGroupBuilder group)
    {
        group.MapPost("/{number}/comments", Comment).WithName("CommentOnSupportRequest")
            .WithSummary("Comment (Markdown). Support engineers may post an internal note (internal: true). A tenant's comment on a request waiting on it hands it back to the provider.")
            .ProducesValidationProblem();
        group.MapPost("/{number}/attachments", Attach).WithName("AttachToSupportRequest")
            .WithSummary($"Attach a file (multipart/form-data, field \"file\"): {AttachmentPolicy.Extensions}; the content must match its type. Those who may comment may attach.")
            .ProducesValidationProblem()
            // The API's callers send bearer tokens: a write by sign-in cookie is refused before it gets here (Web/CrossSiteRequests).
            .DisableAntiforgery();
        return group;
    }

    static async Task<Created<SupportRequestView>> Comment(string number, CommentInput input, CommentOnSupportRequest comment, CancellationToken ct)
    {
        var view = await comment.HandleAsync(number, input.Body, input.Internal, ct);
        return TypedResults.Created($"/api/support-requests/{view.Number}", view);
    }

    static async Task<Created<SupportRequestView>> Attach(string number, IFormFile? file, AttachToSupportRequest attach, CancellationToken ct)
    {
        if (file is null)
        {
            throw Web.ValidationFailedException.For("file", "Send the file as multipart/form-data in a field named \"file\".");
        }
        var view = await attach.HandleAsync(number, file, ct);
        return TypedResults.Created($"/api/support-requests/{view.Number}", view);
    }
}
