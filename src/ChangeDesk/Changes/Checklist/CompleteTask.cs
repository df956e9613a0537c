using ChangeDesk.Changes.Read;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Changes.Checklist;

/// <summary>Records a checklist task as done; only the party that owes it can.</summary>
public sealed class CompleteTask(ChangeDeskDb db, CurrentUser user, ChangeAccess access, ChangeReader reader, TimeProvider clock)
{
    public async Task<ChangeView> HandleAsync(int id, Guid taskId, CancellationToken ct = default)
    {
        await db.WriteAsync("Complete checklist task", async () =>
        {
            var change = await access.LoadAsync(id, tracking: true, ct);
            var task = change.Tasks.FirstOrDefault(t => t.Id == taskId) ?? throw new NotFoundException("Checklist task", taskId);
            if (!access.CanComplete(task))
            {
                throw new ForbiddenException(task.Party == Party.Provider
                    ? "This task belongs to the provider: only provider staff can record it as done."
                    : "This task belongs to a customer tenant: only that tenant's admins can record it as done.");
            }
            if (task.CompletedAt is null)
            {
                var now = clock.GetUtcNow();
                task.CompletedAt = now;
                task.CompletedById = user.Id;
                task.CompletedByName = user.Name;
                change.Touch(now);
            }
        }, ct);
        return await reader.GetAsync(id, ct);
    }
}
