using ChangeDesk.Changes.Read;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Changes.Mitigations;

/// <summary>Records a mitigation as applied; an emergency change is announced only once one is recorded.</summary>
public sealed class RecordMitigation(
    ChangeDeskDb db, CurrentUser user, ChangeAccess access, ChangeReader reader, MessagePublisher messages, TimeProvider clock)
{
    public async Task<ChangeView> HandleAsync(int id, string? description, DateTimeOffset? appliedAt, string? ifMatch, CancellationToken ct = default)
    {
        await db.WriteAsync("Record mitigation", async () =>
        {
            var change = await access.LoadAsync(id, tracking: true, ct);
            EntityTags.CheckIfMatch(ifMatch, change.Version);
            access.EnsureCanWrite(change);
            var now = clock.GetUtcNow();
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(description) || description.Length > 5000)
            {
                errors["description"] = ["Describe the mitigation that was applied (1 to 5,000 characters)."];
            }
            if (appliedAt > now)
            {
                errors["appliedAt"] = ["A mitigation is recorded once applied: appliedAt must not be in the future."];
            }
            if (errors.Count > 0)
            {
                throw new ValidationFailedException(errors);
            }
            if (ChangeStateMachine.IsTerminal(change.State))
            {
                throw new ConflictException("not-editable", $"{change.Number} is {EnumNames.Of(change.State)}: mitigations can no longer be added.");
            }
            change.Mitigations.Add(new Mitigation
            {
                ChangeId = change.Id,
                OwnerTenantId = change.OwnerTenantId,
                Description = description!.Trim(),
                AppliedAt = (appliedAt ?? now).ToUniversalTime(),
                RecordedAt = now,
                RecordedById = user.Id ?? Guid.Empty,
            });
            change.Touch(now);
            await messages.ReviseAsync(change, await access.TypeAsync(change, ct), now, ct);
        }, ct);
        return await reader.GetAsync(id, ct);
    }
}
