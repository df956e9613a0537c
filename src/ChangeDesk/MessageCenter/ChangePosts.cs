using ChangeDesk.Changes;
using ChangeDesk.Data;

namespace ChangeDesk.MessageCenter;

/// <summary>An announced change is posted to its recipients' Message Center (and emailed as they wish).</summary>
public sealed class PostAnnouncedChange(MessagePublisher messages, ChangeAccess access) : IDomainEventHandler<ChangeAnnounced>
{
    public async Task HandleAsync(ChangeAnnounced e, CancellationToken ct) =>
        await messages.PublishAsync(e.Change, await access.TypeAsync(e.Change, ct), e.At, ct);
}

/// <summary>A pause, a resumption, a cancellation or a rollback shows in the change's post, as an update.</summary>
public sealed class ReviseChangePost(MessagePublisher messages, ChangeAccess access) : IDomainEventHandler<ChangeTransitioned>
{
    public async Task HandleAsync(ChangeTransitioned e, CancellationToken ct)
    {
        if (e.Action is ChangeAction.Pause or ChangeAction.Resume or ChangeAction.Cancel or ChangeAction.Rollback)
        {
            await messages.ReviseAsync(e.Change, await access.TypeAsync(e.Change, ct), e.At, ct);
        }
    }
}
