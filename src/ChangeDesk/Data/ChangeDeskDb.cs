using ChangeDesk.Applications;
using ChangeDesk.Approvals;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Releases;
using ChangeDesk.Responsibility;
using ChangeDesk.Signals;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

/// <summary>
/// The database. Rows of other tenants are filtered out for customer users by global query filters, and
/// every write to an audited entity appends hash-chained audit records in the same transaction.
/// Each database provider has a subclass that owns its migrations.
/// </summary>
public abstract partial class ChangeDeskDb(DbContextOptions options, CurrentUser user, TimeProvider clock, IServiceProvider? eventHandlers)
    : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>Where the handlers of domain events are resolved: the request's scope. Null in design-time tools.</summary>
    readonly IServiceProvider? services = eventHandlers;

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ResponsibilityOverride> ResponsibilityOverrides => Set<ResponsibilityOverride>();
    public DbSet<Setting> Settings => Set<Setting>();
    public DbSet<ChangeType> ChangeTypes => Set<ChangeType>();
    public DbSet<Change> Changes => Set<Change>();
    public DbSet<ChangeTarget> ChangeTargets => Set<ChangeTarget>();
    public DbSet<Mitigation> Mitigations => Set<Mitigation>();
    public DbSet<ChecklistTask> ChecklistTasks => Set<ChecklistTask>();
    public DbSet<AuditRecord> AuditRecords => Set<AuditRecord>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<MessageTenant> MessageTenants => Set<MessageTenant>();
    public DbSet<MessageRevision> MessageRevisions => Set<MessageRevision>();
    public DbSet<MessageViewState> MessageViewStates => Set<MessageViewState>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<EmailContent> EmailContents => Set<EmailContent>();
    public DbSet<NotificationPreference> NotificationPreferences => Set<NotificationPreference>();
    public DbSet<TenantNotificationSettings> TenantNotificationSettings => Set<TenantNotificationSettings>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<ChangeApproval> ChangeApprovals => Set<ChangeApproval>();
    public DbSet<TenantApprover> TenantApprovers => Set<TenantApprover>();
    public DbSet<SupportRequest> SupportRequests => Set<SupportRequest>();
    public DbSet<SupportComment> SupportComments => Set<SupportComment>();
    public DbSet<SupportAttachment> SupportAttachments => Set<SupportAttachment>();
    public DbSet<Release> Releases => Set<Release>();
    public DbSet<ReleaseTarget> ReleaseTargets => Set<ReleaseTarget>();
    public DbSet<ReleaseChange> ReleaseChanges => Set<ReleaseChange>();
    public DbSet<TenantRing> TenantRings => Set<TenantRing>();
    public DbSet<TenantRollout> TenantRollouts => Set<TenantRollout>();
    public DbSet<RingRollout> RingRollouts => Set<RingRollout>();
    public DbSet<RolloutPause> RolloutPauses => Set<RolloutPause>();
    public DbSet<BlackoutWindow> BlackoutWindows => Set<BlackoutWindow>();
    public DbSet<SignalAggregate> SignalAggregates => Set<SignalAggregate>();
    public DbSet<SignalBucket> SignalBuckets => Set<SignalBucket>();
    public DbSet<SignalReceipt> SignalReceipts => Set<SignalReceipt>();
    public DbSet<BusinessApplication> BusinessApplications => Set<BusinessApplication>();

    /// <summary>The keys that protect sign-in cookies and signed links, shared by every instance.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>
    /// Names the user's action in the audit records written by the next save; inside <see cref="WriteAsync{T}"/> it
    /// overrides the write's name for that save, when the name depends on what the write found.
    /// </summary>
    public string? AuditOperation { get; set; }

    public CurrentUser Actor => user;

    /// <summary>
    /// Each entity's configuration lives beside it in its feature folder (an IEntityTypeConfiguration); the tenant
    /// filters, which read the current user, are all in <see cref="ApplyTenantFilters"/>.
    /// </summary>
    protected override void OnModelCreating(ModelBuilder b)
    {
        b.ApplyConfigurationsFromAssembly(typeof(ChangeDeskDb).Assembly);
        // Guid keys are assigned by the application (version 7, time-ordered), so new rows added through a
        // navigation are inserted rather than mistaken for existing ones.
        foreach (var entity in b.Model.GetEntityTypes())
        {
            if (entity.FindPrimaryKey()?.Properties is [var key] && key.ClrType == typeof(Guid) && !key.IsForeignKey())
            {
                b.Entity(entity.ClrType).Property(key.Name).ValueGeneratedNever();
            }
        }
        ApplyTenantFilters(b);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    /// <summary>Writes the tracked changes, the bulk rows and the audit records of all of them, in one transaction.</summary>
    async Task<int> WriteChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct)
    {
        BumpVersions();
        var bulkRows = bulk.Where(b => b.Rows.Count > 0).ToList();
        NoteOutboxWrites(bulkRows);
        var pending = PendingAudits();
        var bulkAudited = bulkRows.Where(b => typeof(IAudited).IsAssignableFrom(b.Entity.ClrType)).ToList();
        if (pending.Count == 0 && bulkRows.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
        }

        var ownTransaction = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(ct) : null;
        try
        {
            var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
            // After the tracked rows, which the bulk rows may refer to (a message's tenants, a change's checklist).
            foreach (var table in bulkRows)
            {
                await WriteBulkAsync(table, ct);
                written += table.Rows.Count;
            }
            await AppendAuditAsync(pending, bulkAudited, ct);
            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(ct);
            }
            bulk.Clear();
            AuditOperation = null;
            return written;
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }
    }

    readonly List<BulkTable> bulk = [];

    /// <summary>
    /// Queues rows for the next save to insert in its transaction without tracking them: for the thousands of rows one
    /// action can write (a post's tenants, its emails, every tenant's checklist items), where a tracked entity each costs
    /// more than the write. Audited rows get their audit records as tracked ones do. The rows stay untracked.
    /// </summary>
    public void AddBulk<T>(IEnumerable<T> rows) where T : class
    {
        var entity = Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity type.");
        var table = bulk.FirstOrDefault(b => b.Entity == entity);
        if (table is null)
        {
            table = new BulkTable(entity);
            bulk.Add(table);
        }
        table.Rows.AddRange(rows);
    }

    /// <summary>Takes back queued rows that the next save should not write after all.</summary>
    public void DiscardBulk<T>(Func<T, bool> discard) where T : class =>
        bulk.FirstOrDefault(b => b.Entity.ClrType == typeof(T))?.Rows.RemoveAll(row => discard((T)row));

    /// <summary>Writes queued rows in the current transaction; PostgreSQL overrides this with a binary COPY.</summary>
    protected virtual Task WriteBulkAsync(BulkTable table, CancellationToken ct) => table.InsertAsync(this, ct);
}
