using ChangeDesk.Changes;
using ChangeDesk.Data;

namespace ChangeDesk.Approvals;

/// <summary>An announced change that asks for consent asks each of its recipients.</summary>
public sealed class RequestApprovalsOfAnnouncedChange(ApprovalService approvals, ChangeRecipients recipients) : IDomainEventHandler<ChangeAnnounced>
{
    public async Task HandleAsync(ChangeAnnounced e, CancellationToken ct) =>
        await approvals.RequestAsync(e.Change, await recipients.OfAsync(e.Change, ct), e.At, ct);
}
