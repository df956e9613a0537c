using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.MessageCenter.Pages;

public sealed class MessageModel(MessageCenterService center, Approvals.ApprovalService approvals, Support.SupportRequestReader support, CurrentUser me) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Id { get; set; } = "";
    [BindProperty(SupportsGet = true)] public Guid? TenantId { get; set; }

    public MessageDetailView? Detail { get; private set; }
    public Approvals.ApprovalBoard? Board { get; private set; }
    public string? Message { get; private set; }

    /// <summary>A tenant's admins can report a problem with the post's change to the provider's support team.</summary>
    public bool CanReportProblem => support.CanFile;

    public string BackLink => "/message-center" + (me.IsProvider && TenantId is { } t ? $"?tenantId={t}" : "");

    public IEnumerable<(ViewAction Action, string Label)> Actions
    {
        get
        {
            var v = Detail!.Message.ViewPoint;
            yield return v.IsRead ? (ViewAction.MarkUnread, "Mark as unread") : (ViewAction.MarkRead, "Mark as read");
            yield return v.IsFavorited ? (ViewAction.Unfavorite, "Remove from favorites") : (ViewAction.Favorite, "Add to favorites");
            yield return v.IsArchived ? (ViewAction.Unarchive, "Move to inbox") : (ViewAction.Archive, "Archive");
        }
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (me.IsProvider && TenantId is null)
        {
            TenantId = await center.AnyTenantOfAsync(Id, ct);
            if (TenantId is null)
            {
                return NotFound();
            }
        }
        try
        {
            var tenant = await center.ResolveTenantAsync(TenantId, ct);
            Detail = await center.GetAsync(tenant, Id, ct);
            if (!Detail.Message.ViewPoint.IsRead)
            {
                // Opening a message reads it, as in Microsoft 365's Message Center.
                await center.SetViewStateAsync(tenant, [Id], ViewAction.MarkRead, ct);
                Detail = await center.GetAsync(tenant, Id, ct);
            }
            Message = TempData["message"] as string;
            if (Detail.Message.Consent != "none" && Detail.Message.ChangeId is { } changeId)
            {
                Board = await approvals.BoardAsync(changeId, ct);
            }
            return Page();
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
    }

    public async Task<IActionResult> OnPostAsync(string action, CancellationToken ct)
    {
        if (!EnumNames.TryParse<ViewAction>(action, out var viewAction))
        {
            return BadRequest();
        }
        try
        {
            var tenant = await center.ResolveTenantAsync(TenantId, ct);
            await center.SetViewStateAsync(tenant, [Id], viewAction, ct);
        }
        catch (NotFoundException)
        {
            return NotFound();
        }
        TempData["message"] = viewAction switch
        {
            ViewAction.Favorite => "Added to favorites.",
            ViewAction.Unfavorite => "Removed from favorites.",
            ViewAction.Archive => "Archived.",
            ViewAction.Unarchive => "Moved back to the inbox.",
            ViewAction.MarkUnread => "Marked as unread.",
            _ => "Marked as read.",
        };
        return Redirect($"/message-center/{Id}" + (me.IsProvider && TenantId is { } t ? $"?tenantId={t}" : ""));
    }
}
