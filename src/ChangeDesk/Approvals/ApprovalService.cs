using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Approvals;

public sealed record ApprovalView(
    Guid Id, int ChangeId, Guid TenantId, string TenantName, Consent Kind, ApprovalState State, DateTimeOffset? Deadline, bool IsOverdue,
    DateTimeOffset? DecidedAt, string? DecidedBy, string? OnBehalfOf, string? Reason, bool CanDecide);

/// <summary>Where a change stands on each side: the provider waits on customers, or may go ahead.</summary>
public sealed record ApprovalBoard(int ChangeId, string ChangeNumber, string Title, Consent Kind, string ProviderState, IReadOnlyList<ApprovalView> Tenants)
{
    public IReadOnlyList<ApprovalView> HoldingBack => Tenants.Where(t => t.State is not (ApprovalState.Approved or ApprovalState.Acknowledged)).ToList();
}

public sealed record ApproverView(Guid UserId, string Email, string Name, Guid? DelegateUserId, string? DelegateName, DateTimeOffset? AwayFrom, DateTimeOffset? AwayUntil);

public sealed record DecisionInput([property: MaxLength(InputBounds.Key)] string? Decision, [property: MaxLength(InputBounds.Text)] string? Reason);

/// <summary>
/// Tenant acknowledgement and approval of changes: requested on announce, decided by a tenant's approvers (or
/// their delegates while they are away), reminded and escalated by <see cref="ApprovalJob"/>, and checked before
/// a change may start.
/// </summary>
public sealed class ApprovalService(
    ChangeDeskDb db, CurrentUser user, TimeProvider clock, Notifier notifier, ServiceOptions service)
{
    /// <summary>
    /// Creates the pending approvals of an announced change, one per recipient tenant; on edits, withdraws those of
    /// tenants no longer targeted, or all of them when the change no longer asks for consent.
    /// </summary>
    public async Task RequestAsync(Change change, IReadOnlyCollection<Guid> tenants, DateTimeOffset now, CancellationToken ct)
    {
        var asks = change.Consent != Consent.None && change.OwnerTenantId is null;
        var approvals = await db.ChangeApprovals.IgnoreQueryFilters().Where(a => a.ChangeId == change.Id).ToListAsync(ct);
        db.ChangeApprovals.RemoveRange(approvals.Where(a => !asks || !tenants.Contains(a.TenantId)));
        if (!asks)
        {
            return;
        }
        var requested = tenants.Except(approvals.Select(a => a.TenantId)).ToList();
        db.AddBulk(requested.Select(tenant => new ChangeApproval
        {
            ChangeId = change.Id,
            TenantId = tenant,
            Kind = change.Consent,
            Deadline = change.ActionRequiredBy,
            RequestedAt = now,
        }));
        await notifier.WebhooksAsync(WebhookEvents.ApprovalRequested, requested.Select(tenant => ((Guid?)tenant, (int?)change.Id, $"{change.Id}:{tenant}",
            (object)new { changeId = change.Id, changeNumber = change.Number, tenantId = tenant, kind = EnumNames.Of(change.Consent), deadline = change.ActionRequiredBy })), now, ct);
    }

    /// <summary>Keeps deadlines in step when the change's action-required-by date moves.</summary>
    public async Task SyncDeadlineAsync(Change change, CancellationToken ct)
    {
        var approvals = await db.ChangeApprovals.IgnoreQueryFilters().Where(a => a.ChangeId == change.Id).ToListAsync(ct);
        foreach (var a in approvals.Where(a => a.Deadline != change.ActionRequiredBy))
        {
            a.MoveDeadline(change.ActionRequiredBy, clock.GetUtcNow());
        }
    }

    /// <summary>The tenants whose missing approval holds a change back; empty when it may start.</summary>
    public async Task<List<(Guid TenantId, string TenantName, ApprovalState State, string? Reason)>> HoldersAsync(Change change, CancellationToken ct)
    {
        if (change.Consent != Consent.Approve)
        {
            return [];
        }
        return (await db.ChangeApprovals.IgnoreQueryFilters().AsNoTracking()
                .Where(a => a.ChangeId == change.Id && a.State != ApprovalState.Approved)
                .Join(db.Tenants.IgnoreQueryFilters(), a => a.TenantId, t => t.Id, (a, t) => new { a.TenantId, t.Name, a.State, a.Reason })
                .ToListAsync(ct))
            .OrderBy(h => h.Name).Select(h => (h.TenantId, h.Name, h.State, h.Reason)).ToList();
    }

    public async Task<ApprovalBoard> BoardAsync(int changeId, CancellationToken ct)
    {
        var change = await db.Changes.AsNoTracking().FirstOrDefaultAsync(c => c.Id == changeId, ct) ?? throw new NotFoundException("Change", changeId);
        var now = clock.GetUtcNow();
        // No IgnoreQueryFilters anywhere in these queries: it would lift the tenant filter of the whole query,
        // showing a tenant the other tenants' answers.
        var rows = await db.ChangeApprovals.AsNoTracking().Where(a => a.ChangeId == changeId)
            .Join(db.Tenants, a => a.TenantId, t => t.Id, (a, t) => new { a, t.Name }).ToListAsync(ct);
        var views = new List<ApprovalView>();
        foreach (var r in rows.OrderBy(r => r.Name))
        {
            views.Add(ToView(r.a, r.Name, now, await CanDecideAsync(r.a, change, ct)));
        }
        // The provider side depends on every tenant's answer, also when a tenant looks at its own row only;
        // this separate query returns states, never another tenant's details.
        var states = await db.ChangeApprovals.IgnoreQueryFilters().Where(a => a.ChangeId == changeId).Select(a => a.State).ToListAsync(ct);
        var providerState = change.Consent == Consent.None ? "not-required"
            : states.Count == 0 ? "not-requested"
            : states.Any(s => s == ApprovalState.Declined) ? "blocked-by-decline"
            : states.All(s => s is ApprovalState.Approved or ApprovalState.Acknowledged) ? "ready"
            : "waiting-on-customers";
        return new ApprovalBoard(change.Id, change.Number, change.Title, change.Consent, providerState, views);
    }

    static ApprovalView ToView(ChangeApproval a, string tenantName, DateTimeOffset now, bool canDecide) =>
        new(a.Id, a.ChangeId, a.TenantId, tenantName, a.Kind, a.State, a.Deadline,
            a.State is ApprovalState.Pending or ApprovalState.Expired && a.Deadline < now,
            a.DecidedAt, a.DecidedByName, a.OnBehalfOf, a.Reason, canDecide);

    /// <summary>
    /// Who may answer for a tenant: its named approvers, or a delegate while the approver is away; with no
    /// approvers named, any of its tenant admins.
    /// </summary>
    async Task<(bool Allowed, string? OnBehalfOf)> AuthorityAsync(Guid tenant, CancellationToken ct)
    {
        if (!user.Is(Role.TenantAdmin) || user.TenantId != tenant || user.Id is not { } me)
        {
            return (false, null);
        }
        var approvers = await db.TenantApprovers.IgnoreQueryFilters().AsNoTracking().Where(a => a.TenantId == tenant).ToListAsync(ct);
        if (approvers.Count == 0 || approvers.Any(a => a.UserId == me))
        {
            return (true, null);
        }
        var now = clock.GetUtcNow();
        var forWhom = approvers.FirstOrDefault(a => a.DelegateUserId == me && a.IsAway(now));
        if (forWhom is null)
        {
            return (false, null);
        }
        var name = await db.Users.IgnoreQueryFilters().Where(u => u.Id == forWhom.UserId).Select(u => u.DisplayName).FirstAsync(ct);
        return (true, name);
    }

    async Task<bool> CanDecideAsync(ChangeApproval a, Change change, CancellationToken ct) =>
        change.State is ChangeState.Announced or ChangeState.Paused && (await AuthorityAsync(a.TenantId, ct)).Allowed;

    /// <summary>
    /// Records a tenant's answer. The change's row is locked until the answer commits: a start of the change waits for
    /// it and sees it, and an answer that comes after a start finds the change no longer taking answers.
    /// </summary>
    public Task<ApprovalView> DecideAsync(int changeId, string? decision, string? reason, CancellationToken ct) =>
        db.WriteAsync("Answer approval request", () => DecideInWriteAsync(changeId, decision, reason, ct), ct);

    async Task<ApprovalView> DecideInWriteAsync(int changeId, string? decision, string? reason, CancellationToken ct)
    {
        var change = await db.Changes.ForUpdate().FirstOrDefaultAsync(c => c.Id == changeId, ct) ?? throw new NotFoundException("Change", changeId);
        if (user.TenantId is not { } tenant)
        {
            throw new ForbiddenException("Approvals are answered by the targeted tenants' admins.");
        }
        var approval = await db.ChangeApprovals.FirstOrDefaultAsync(a => a.ChangeId == changeId && a.TenantId == tenant, ct)
            ?? throw new NotFoundException("Approval request", $"{change.Number} for your tenant");
        var (allowed, onBehalfOf) = await AuthorityAsync(tenant, ct);
        if (!allowed)
        {
            throw new ForbiddenException("Your tenant has named approvers: only they, or their delegate while they are away, can answer.");
        }
        if (change.State is not (ChangeState.Announced or ChangeState.Paused))
        {
            throw new ConflictException("approval-closed", $"{change.Number} is {EnumNames.Of(change.State)}: it no longer takes answers.");
        }
        var target = (decision?.Trim().ToLowerInvariant(), approval.Kind) switch
        {
            ("approve", Consent.Approve) => ApprovalState.Approved,
            ("decline", Consent.Approve) => ApprovalState.Declined,
            ("acknowledge", Consent.Acknowledge) => ApprovalState.Acknowledged,
            _ => throw ValidationFailedException.For("decision", approval.Kind == Consent.Approve
                ? "This change asks for approval: answer approve or decline."
                : "This change asks for acknowledgement: answer acknowledge."),
        };
        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (target == ApprovalState.Declined && reason is null)
        {
            throw ValidationFailedException.For("reason", "Say why you decline: the provider sees the reason.");
        }
        if (reason?.Length > 2000)
        {
            throw ValidationFailedException.For("reason", "The reason must be 2,000 characters or fewer.");
        }
        var now = clock.GetUtcNow();
        approval.Decide(target, now, user.Id, user.Name, onBehalfOf, reason);
        var task = await db.ChecklistTasks.FirstOrDefaultAsync(t => t.ChangeId == changeId && t.TenantId == tenant && t.Phase == Phase.Before
            && (t.Text == "Approve the change" || t.Text == "Acknowledge the change") && t.CompletedAt == null, ct);
        if (task is not null && target != ApprovalState.Declined)
        {
            task.CompletedAt = now;
            task.CompletedById = user.Id;
            task.CompletedByName = user.Name;
        }
        var tenantName = await db.Tenants.Where(t => t.Id == tenant).Select(t => t.Name).FirstAsync(ct);
        var verb = target switch { ApprovalState.Approved => "approved", ApprovalState.Declined => "declined", _ => "acknowledged" };
        var email = EmailTemplates.ApprovalDecided(change.Number, change.Title, tenantName, verb, user.Name, onBehalfOf, reason, service.LinkTo($"/changes/{change.Id}#approvals"));
        var staff = await db.Users.IgnoreQueryFilters().Where(u => u.TenantId == null && !u.IsDisabled
            && (u.Role == Role.ReleaseManager || u.Role == Role.ProviderAdmin || u.Id == change.CreatedById)).Select(u => new { u.Email, u.DisplayName }).ToListAsync(ct);
        // Each decision is its own event: the version tells two answers at the same instant apart.
        var dedup = $"{approval.Id}:v{approval.Version}:{now.UtcTicks}";
        foreach (var s in staff)
        {
            notifier.Email(WebhookEvents.ApprovalDecided, s.Email, s.DisplayName, null, change.Id, null, email, dedup, now);
        }
        await notifier.WebhookAsync(WebhookEvents.ApprovalDecided, tenant, change.Id, dedup,
            new { changeId, changeNumber = change.Number, tenantId = tenant, decision = verb, by = user.Name, onBehalfOf, reason }, now, ct);
        db.AuditOperation = onBehalfOf is null ? $"{verb} change" : $"{verb} change as delegate of {onBehalfOf}";
        return ToView(approval, tenantName, now, true);
    }

    /// <summary>Approvals past their deadline without an answer, across tenants (provider) or for the caller's tenant.</summary>
    public async Task<List<ApprovalView>> OverdueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rows = await db.ChangeApprovals.AsNoTracking()
            .Where(a => (a.State == ApprovalState.Pending || a.State == ApprovalState.Expired) && a.Deadline != null && a.Deadline < now)
            .Join(db.Tenants, a => a.TenantId, t => t.Id, (a, t) => new { a, t.Name })
            .OrderBy(x => x.a.Deadline).ToListAsync(ct);
        return rows.Select(r => ToView(r.a, r.Name, now, false)).ToList();
    }

    public async Task<List<ApprovalView>> PendingForMeAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rows = await db.ChangeApprovals.AsNoTracking()
            .Where(a => a.State == ApprovalState.Pending || a.State == ApprovalState.Expired)
            .Join(db.Tenants, a => a.TenantId, t => t.Id, (a, t) => new { a, t.Name })
            .OrderBy(x => x.a.Deadline).ToListAsync(ct);
        return rows.Select(r => ToView(r.a, r.Name, now, false)).ToList();
    }

    // Approvers

    public async Task<List<ApproverView>> ApproversAsync(Guid tenant, CancellationToken ct)
    {
        EnsureCanManage(tenant);
        var rows = await db.TenantApprovers.AsNoTracking().Where(a => a.TenantId == tenant).ToListAsync(ct);
        var ids = rows.SelectMany(r => new[] { r.UserId, r.DelegateUserId ?? Guid.Empty }).ToList();
        var users = await db.Users.IgnoreQueryFilters().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        return rows.Select(r => new ApproverView(r.UserId, users[r.UserId].Email, users[r.UserId].DisplayName, r.DelegateUserId,
            r.DelegateUserId is { } d ? users[d].DisplayName : null, r.AwayFrom, r.AwayUntil)).ToList();
    }

    public async Task<List<ApproverView>> SetApproverAsync(Guid tenant, string? approverEmail, string? delegateEmail, DateTimeOffset? awayFrom, DateTimeOffset? awayUntil, CancellationToken ct)
    {
        EnsureCanManage(tenant);
        async Task<User> TenantAdmin(string? email, string field)
        {
            var address = email?.Trim().ToLowerInvariant() ?? "";
            var u = await db.Users.IgnoreQueryFilters().FirstOrDefaultAsync(x => x.Email == address && x.TenantId == tenant, ct);
            return u is { Role: Role.TenantAdmin } ? u : throw ValidationFailedException.For(field, $"'{email}' is not a tenant admin of this tenant.");
        }
        var approver = await TenantAdmin(approverEmail, "approverEmail");
        var delegateUser = string.IsNullOrWhiteSpace(delegateEmail) ? null : await TenantAdmin(delegateEmail, "delegateEmail");
        if (delegateUser?.Id == approver.Id)
        {
            throw ValidationFailedException.For("delegateEmail", "An approver cannot be their own delegate.");
        }
        if (awayUntil is { } until && awayFrom is { } from && until <= from)
        {
            throw ValidationFailedException.For("awayUntil", "The end of the absence must be after its start.");
        }
        // One row per tenant and approver is a unique key: of two first settings at once, the later runs again and
        // updates the row the other inserted.
        await db.WriteAsync("Set approver", async () =>
        {
            var row = await db.TenantApprovers.FirstOrDefaultAsync(a => a.TenantId == tenant && a.UserId == approver.Id, ct);
            if (row is null)
            {
                row = new TenantApprover { TenantId = tenant, UserId = approver.Id };
                db.TenantApprovers.Add(row);
            }
            row.DelegateUserId = delegateUser?.Id;
            row.AwayFrom = awayFrom?.ToUniversalTime();
            row.AwayUntil = awayUntil?.ToUniversalTime();
        }, ct);
        return await ApproversAsync(tenant, ct);
    }

    public async Task RemoveApproverAsync(Guid tenant, Guid userId, CancellationToken ct)
    {
        EnsureCanManage(tenant);
        await db.WriteAsync("Remove approver", async () =>
        {
            var row = await db.TenantApprovers.FirstOrDefaultAsync(a => a.TenantId == tenant && a.UserId == userId, ct) ?? throw new NotFoundException("Approver", userId);
            db.TenantApprovers.Remove(row);
        }, ct);
    }

    void EnsureCanManage(Guid tenant)
    {
        if (!(user.Is(Role.ProviderAdmin) || (user.Is(Role.TenantAdmin) && user.TenantId == tenant) || user.IsSystem))
        {
            throw new ForbiddenException("Only the tenant's admins (or a provider admin) manage its approvers.");
        }
    }
}
