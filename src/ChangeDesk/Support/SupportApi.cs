using ChangeDesk.Web;

namespace ChangeDesk.Support;

/// <summary>The support request API: each use case maps its endpoints beside its handler (Read/, File/, Comment/, Assign/, Transition/).</summary>
public static class SupportApi
{
    public static IEndpointRouteBuilder MapSupport(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/support-requests").WithTags("Support requests").RequireAuthorization().WithEntityTags()
            .MapSupportReads()
            .MapFileSupportRequest()
            .MapCommentsAndAttachments()
            .MapAssignSupportRequest()
            .MapTransitions();
        return app;
    }
}
