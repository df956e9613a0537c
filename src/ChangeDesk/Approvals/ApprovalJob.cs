using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Approvals;

/// <summary>
/// Sends approval reminders at the configured offsets before the deadline and, once it has passed, marks the
/// request expired and escalates to the tenant's admins. Each approval is updated with a concurrency check in
/// the transaction that queues its emails, so several instances never send the same reminder twice.
/// </summary>
public sealed class ApprovalJob(IServiceScopeFactory scopes, ApprovalOptions options, TimeProvider clock, ILogger<ApprovalJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await PeriodicJob.RunAsync(RunOnceAsync, ct => Task.Delay(options.PollInterval, clock, ct), logger, "Approval reminder", stoppingToken);
    }

    public async Task RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var horizon = now + TimeSpan.FromHours(options.ReminderHours.DefaultIfEmpty(0).Max());
        List<Guid> due;
        using (var scope = scopes.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("approval reminders");
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            due = await db.ChangeApprovals
                .Where(a => a.State == ApprovalState.Pending && a.Deadline != null && a.Deadline <= horizon)
                .Select(a => a.Id).ToListAsync(ct);
        }
        foreach (var id in due)
        {
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("approval reminders");
            try
            {
                await ProcessAsync(scope.ServiceProvider, id, now, ct);
            }
            catch (DbUpdateException)
            {
                // Another instance handled this approval at the same moment: its emails are the ones that count.
            }
        }
    }

    async Task ProcessAsync(IServiceProvider services, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        var db = services.GetRequiredService<ChangeDeskDb>();
        var notifier = services.GetRequiredService<Notifier>();
        var links = services.GetRequiredService<ApprovalLinks>();
        var approval = await db.ChangeApprovals.FirstOrDefaultAsync(a => a.Id == id && a.State == ApprovalState.Pending, ct);
        if (approval?.Deadline is not { } deadline)
        {
            return;
        }
        var message = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.ChangeId == approval.ChangeId, ct);
        var change = await db.Changes.AsNoTracking().FirstAsync(c => c.Id == approval.ChangeId, ct);
        if (message is null || change.State is not (ChangeState.Announced or ChangeState.Paused))
        {
            return;
        }
        var tenantName = await db.Tenants.Where(t => t.Id == approval.TenantId).Select(t => t.Name).FirstAsync(ct);
        var kind = EnumNames.Of(approval.Kind);
        var link = links.LinkFor(approval.ChangeId, approval.TenantId, change.PlannedStart > now ? change.PlannedStart : now.AddDays(7));
        // Keyed by the version this pass writes (its save adds one): instances racing on the same state make the same key
        // (one email goes out), while a later state, e.g. after the deadline moved and the offsets started over, gets new ones.
        var dedup = $"{approval.Id}:v{approval.Version + 1}";
        if (now >= deadline)
        {
            approval.Expire(now);
            var email = EmailTemplates.ApprovalReminder(message, tenantName, kind, deadline, link, overdue: true);
            foreach (var admin in await AdminsAsync(db, approval.TenantId, ct))
            {
                notifier.Email(WebhookEvents.ApprovalOverdue, admin.Email, admin.DisplayName, approval.TenantId, approval.ChangeId, message.Id, email, dedup, now);
            }
            await notifier.WebhookAsync(WebhookEvents.ApprovalOverdue, approval.TenantId, approval.ChangeId, dedup,
                new { changeId = approval.ChangeId, changeNumber = change.Number, tenantId = approval.TenantId, kind, deadline }, now, ct);
            db.AuditOperation = "Approval overdue: escalated";
            await db.SaveChangesAsync(ct);
            return;
        }
        // Of the offsets now reached, send one reminder (the latest) and count the earlier ones as covered.
        var reached = options.ReminderHours.Where(h => now >= deadline - TimeSpan.FromHours(h) && !approval.RemindersSent.Contains(h)).ToList();
        if (reached.Count == 0)
        {
            return;
        }
        var latest = reached.Min();
        approval.RemindersSent = approval.RemindersSent.Concat(reached).Distinct().Order().ToList();
        var reminder = EmailTemplates.ApprovalReminder(message, tenantName, kind, deadline, link, overdue: false);
        foreach (var person in await ApproversAsync(db, approval.TenantId, now, ct))
        {
            notifier.Email(WebhookEvents.ApprovalReminder, person.Email, person.DisplayName, approval.TenantId, approval.ChangeId, message.Id, reminder, $"{dedup}:{latest}h", now);
        }
        await notifier.WebhookAsync(WebhookEvents.ApprovalReminder, approval.TenantId, approval.ChangeId, $"{dedup}:{latest}h",
            new { changeId = approval.ChangeId, changeNumber = change.Number, tenantId = approval.TenantId, kind, deadline, hoursBefore = latest }, now, ct);
        db.AuditOperation = $"Approval reminder ({latest} h before the deadline)";
        await db.SaveChangesAsync(ct);
    }

    sealed record Person(string Email, string DisplayName);

    static async Task<List<Person>> AdminsAsync(ChangeDeskDb db, Guid tenant, CancellationToken ct) =>
        await db.Users.IgnoreQueryFilters().Where(u => u.TenantId == tenant && u.Role == Role.TenantAdmin && !u.IsDisabled)
            .OrderBy(u => u.Email).Select(u => new Person(u.Email, u.DisplayName)).ToListAsync(ct);

    /// <summary>The named approvers (and the delegates of those away), or all tenant admins when none are named.</summary>
    static async Task<List<Person>> ApproversAsync(ChangeDeskDb db, Guid tenant, DateTimeOffset now, CancellationToken ct)
    {
        var approvers = await db.TenantApprovers.IgnoreQueryFilters().AsNoTracking().Where(a => a.TenantId == tenant).ToListAsync(ct);
        if (approvers.Count == 0)
        {
            return await AdminsAsync(db, tenant, ct);
        }
        var ids = approvers.Select(a => a.UserId).Concat(approvers.Where(a => a.IsAway(now) && a.DelegateUserId != null).Select(a => a.DelegateUserId!.Value)).Distinct().ToList();
        return await db.Users.IgnoreQueryFilters().Where(u => ids.Contains(u.Id) && !u.IsDisabled).OrderBy(u => u.Email).Select(u => new Person(u.Email, u.DisplayName)).ToListAsync(ct);
    }
}
