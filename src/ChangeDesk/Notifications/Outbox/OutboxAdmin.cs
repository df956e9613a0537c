using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications.Outbox;

public sealed record OutboxView(
    Guid Id, string Channel, string EventType, string Recipient, string? Subject, Guid? TenantId, int? ChangeId, DateTimeOffset CreatedAt,
    DateTimeOffset DueAt, int Attempts, DateTimeOffset? SentAt, DateTimeOffset? DeadAt, string? LastError, string State);

/// <summary>The outbox as provider admins see it: the list by state and channel, one message for its preview, and a retry of a dead letter.</summary>
public sealed class OutboxAdmin(ChangeDeskDb db, CurrentUser user, OutboxStore outbox, OutboxWakeUp wakeUp)
{
    public async Task<List<OutboxView>> ListAsync(string? state, string? channel, int top, CancellationToken ct)
    {
        EnsureProviderAdmin("Only provider admins see the outbox.");
        var query = db.Outbox.AsNoTracking();
        query = (state ?? "all").ToLowerInvariant() switch
        {
            "dead" => query.Where(o => o.DeadAt != null),
            "pending" => query.Where(o => o.SentAt == null && o.DeadAt == null),
            "sent" => query.Where(o => o.SentAt != null),
            "all" => query,
            _ => throw ValidationFailedException.For("state", "State must be pending, sent, dead or all."),
        };
        if (!string.IsNullOrWhiteSpace(channel))
        {
            query = query.Where(o => o.Channel == channel);
        }
        return await query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(Math.Clamp(top, 1, 1000))
            .Select(o => new OutboxView(o.Id, o.Channel, o.EventType, o.Recipient, o.Subject, o.TenantId, o.ChangeId, o.CreatedAt, o.DueAt, o.Attempts,
                o.SentAt, o.DeadAt, o.LastError, o.SentAt != null ? "sent" : o.DeadAt != null ? "dead" : "pending"))
            .ToListAsync(ct);
    }

    public async Task<OutboxMessage> MessageAsync(Guid id, CancellationToken ct)
    {
        EnsureProviderAdmin("Only provider admins see the outbox.");
        return await db.Outbox.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct) ?? throw new NotFoundException("Outbox message", id);
    }

    /// <summary>Gives a dead letter a fresh set of attempts, due now, and wakes the senders.</summary>
    public async Task RetryAsync(Guid id, CancellationToken ct)
    {
        EnsureProviderAdmin("Only provider admins retry deliveries.");
        if (!await outbox.RetryAsync(id, ct))
        {
            if (await db.Outbox.AnyAsync(o => o.Id == id && o.SentAt == null, ct))
            {
                throw new ConflictException("outbox-in-flight", "A sender is delivering this message right now; retry it if that attempt fails.");
            }
            throw new NotFoundException("Unsent outbox message", id);
        }
        wakeUp.Notify();
    }

    void EnsureProviderAdmin(string detail)
    {
        if (!user.Is(Role.ProviderAdmin))
        {
            throw new ForbiddenException(detail);
        }
    }
}
