using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Data;

namespace ChangeDesk.Approvals;

public enum ApprovalState
{
    Pending,
    Approved,
    Declined,
    Acknowledged,
    Expired,
}

/// <summary>A targeted tenant's answer to a change that asks it to acknowledge or approve, by a deadline.</summary>
public sealed class ChangeApproval : IAudited, IVersioned
{
    public Guid Id { get; init; } = Ids.NewV7();
    public int ChangeId { get; init; }
    public Guid TenantId { get; init; }
    public Consent Kind { get; init; }
    /// <summary>Moves only through <see cref="Decide"/>, <see cref="Expire"/> and <see cref="MoveDeadline"/>.</summary>
    public ApprovalState State { get; private set; } = ApprovalState.Pending;
    public DateTimeOffset? Deadline { get; set; }
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; set; }
    public Guid? DecidedById { get; set; }
    public string? DecidedByName { get; set; }

    /// <summary>The approver a delegate acted for, when a delegate decided.</summary>
    public string? OnBehalfOf { get; set; }

    public string? Reason { get; set; }

    /// <summary>Reminder offsets already sent, in hours before the deadline (e.g. 72, 24).</summary>
    public List<int> RemindersSent { get; set; } = [];

    public DateTimeOffset? EscalatedAt { get; set; }

    /// <summary>Concurrency token: two instances never both send the same reminder.</summary>
    public int Version { get; set; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => ChangeId;

    public bool IsSatisfied => State is ApprovalState.Approved or ApprovalState.Acknowledged;

    /// <summary>Records the tenant's answer (approved, acknowledged or declined), by whom and why.</summary>
    public void Decide(ApprovalState answer, DateTimeOffset now, Guid? byId, string byName, string? onBehalfOf, string? reason)
    {
        State = answer;
        DecidedAt = now;
        DecidedById = byId;
        DecidedByName = byName;
        OnBehalfOf = onBehalfOf;
        Reason = reason;
    }

    /// <summary>The deadline passed without an answer: escalated to the tenant's admins.</summary>
    public void Expire(DateTimeOffset now)
    {
        State = ApprovalState.Expired;
        EscalatedAt = now;
    }

    /// <summary>
    /// The change's deadline moved: reminders start over, and an expired approval whose new deadline is still ahead
    /// (or gone) waits for an answer again.
    /// </summary>
    public void MoveDeadline(DateTimeOffset? deadline, DateTimeOffset now)
    {
        Deadline = deadline;
        RemindersSent = [];
        if (State == ApprovalState.Expired && (deadline is null || deadline > now))
        {
            State = ApprovalState.Pending;
            EscalatedAt = null;
        }
    }
}

/// <summary>A person a tenant names to approve changes, with an optional delegate for when they are away.</summary>
public sealed class TenantApprover : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();
    public Guid TenantId { get; init; }
    public Guid UserId { get; init; }
    public Guid? DelegateUserId { get; set; }
    public DateTimeOffset? AwayFrom { get; set; }
    public DateTimeOffset? AwayUntil { get; set; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;

    public bool IsAway(DateTimeOffset now) => AwayFrom is { } from && now >= from && (AwayUntil is null || now < AwayUntil);
}

public sealed class ApprovalOptions
{
    public const string Section = "Approvals";

    /// <summary>When reminders go out before the deadline, in hours (default 3 days and 1 day).</summary>
    public int[] ReminderHours { get; set; } = [72, 24];

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);
}
