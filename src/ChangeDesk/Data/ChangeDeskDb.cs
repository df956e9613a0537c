using System.Text.Json;
using ChangeDesk.Approvals;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Releases;
using ChangeDesk.Responsibility;
using ChangeDesk.Support;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

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

    /// <summary>The keys that protect sign-in cookies and signed links, shared by every instance.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Set when a save wrote outbox rows; the commit signal wakes the senders and clears it.</summary>
    public bool OutboxWritten { get; set; }

    /// <summary>The tenant whose rows are visible; null for provider users and the system.</summary>
    Guid? VisibleTenantId => user.TenantId;

    /// <summary>
    /// Names the user's action in the audit records written by the next save; inside <see cref="WriteAsync{T}"/> it
    /// overrides the write's name for that save, when the name depends on what the write found.
    /// </summary>
    public string? AuditOperation { get; set; }

    public CurrentUser Actor => user;

    /// <summary>Names the tenant filter of messages, for queries reaching messages through MessageTenants, which has its own.</summary>
    public const string MessagePostedFilter = "message-posted-to-tenant";

    protected override void OnModelCreating(ModelBuilder b)
    {
        // Guid keys are assigned by the application (version 7, time-ordered), so new rows added through a
        // navigation are inserted rather than mistaken for existing ones.
        foreach (var entity in new[] { typeof(Tenant), typeof(User), typeof(ApiToken), typeof(ResponsibilityOverride), typeof(Mitigation), typeof(ChecklistTask), typeof(MessageRevision),
                     typeof(OutboxMessage), typeof(EmailContent), typeof(NotificationPreference), typeof(WebhookEndpoint), typeof(WebhookDelivery),
                     typeof(ChangeApproval), typeof(TenantApprover), typeof(SupportRequest), typeof(SupportComment), typeof(SupportAttachment), typeof(Release), typeof(TenantRing), typeof(TenantRollout), typeof(RingRollout),
                     typeof(RolloutPause), typeof(BlackoutWindow), typeof(SignalAggregate), typeof(SignalBucket) })
        {
            b.Entity(entity).Property("Id").ValueGeneratedNever();
        }
        b.Entity<Tenant>(e =>
        {
            e.Property(t => t.Name).HasMaxLength(200);
            e.HasIndex(t => t.Name).IsUnique();
            e.HasQueryFilter(t => VisibleTenantId == null || t.Id == VisibleTenantId);
        });
        b.Entity<User>(e =>
        {
            e.Property(u => u.Email).HasMaxLength(320);
            e.HasIndex(u => u.Email).IsUnique();
            e.Property(u => u.DisplayName).HasMaxLength(200);
            e.Property(u => u.SecurityStamp).HasMaxLength(32);
            e.HasIndex(u => u.TenantId);
            e.HasOne<Tenant>().WithMany().HasForeignKey(u => u.TenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasQueryFilter(u => VisibleTenantId == null || u.TenantId == VisibleTenantId);
        });
        b.Entity<ApiToken>(e =>
        {
            e.HasIndex(t => t.TokenHash).IsUnique();
            e.Property(t => t.Name).HasMaxLength(100);
            e.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(t => VisibleTenantId == null || t.TenantId == VisibleTenantId);
        });
        b.Entity<ResponsibilityOverride>(e =>
        {
            e.HasIndex(o => new { o.TenantId, o.Activity, o.Scope }).IsUnique();
            e.HasOne<Tenant>().WithMany().HasForeignKey(o => o.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(o => VisibleTenantId == null || o.TenantId == null || o.TenantId == VisibleTenantId);
        });
        b.Entity<Setting>(e => e.HasKey(s => s.Key));
        b.Entity<ChangeType>(e =>
        {
            e.HasKey(t => t.Key);
            e.Ignore(t => t.Subtypes);
            e.Ignore(t => t.DeliveringActivity);
        });
        b.Entity<Change>(e =>
        {
            e.Property(c => c.Title).HasMaxLength(200);
            e.Property(c => c.Version).IsConcurrencyToken();
            e.HasOne<ChangeType>().WithMany().HasForeignKey(c => c.TypeKey).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Tenant>().WithMany().HasForeignKey(c => c.OwnerTenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(c => c.Targets).WithOne().HasForeignKey(t => t.ChangeId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(c => c.Mitigations).WithOne().HasForeignKey(m => m.ChangeId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(c => c.Tasks).WithOne().HasForeignKey(t => t.ChangeId).OnDelete(DeleteBehavior.Cascade);
            e.Ignore(c => c.Number);
            e.Ignore(c => c.OwnerParty);
            e.HasIndex(c => new { c.OwnerTenantId, c.State, c.PlannedStart });
            e.HasIndex(c => new { c.State, c.PlannedStart });
            // A customer sees its own changes and the provider's announced changes that target it.
            e.HasQueryFilter(c => VisibleTenantId == null
                || c.OwnerTenantId == VisibleTenantId
                || (c.OwnerTenantId == null && c.State != ChangeState.Draft
                    && (c.TargetsAllTenants || c.Targets.Any(t => t.TenantId == VisibleTenantId))));
        });
        b.Entity<ChangeTarget>(e =>
        {
            e.HasKey(t => new { t.ChangeId, t.TenantId });
            e.HasIndex(t => t.TenantId);
            e.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Mitigation>(e => e.HasQueryFilter(m => VisibleTenantId == null || m.OwnerTenantId == null || m.OwnerTenantId == VisibleTenantId));
        b.Entity<ChecklistTask>(e =>
        {
            e.HasIndex(t => new { t.ChangeId, t.Phase });
            e.HasIndex(t => new { t.TenantId, t.CompletedAt });
            e.HasQueryFilter(t => VisibleTenantId == null || t.TenantId == null || t.TenantId == VisibleTenantId);
        });
        b.Entity<Message>(e =>
        {
            e.Property(m => m.Id).HasMaxLength(20).ValueGeneratedNever();
            e.HasIndex(m => m.Number).IsUnique();
            e.HasIndex(m => m.ChangeId).IsUnique();
            e.HasIndex(m => m.ReleaseId);
            e.HasIndex(m => m.LastModifiedDateTime);
            e.Property(m => m.Title).HasMaxLength(200);
            e.Property(m => m.Category).HasMaxLength(30);
            e.Property(m => m.Severity).HasMaxLength(20);
            e.Property(m => m.Consent).HasMaxLength(20);
            e.ComplexCollection(m => m.Details, d => d.ToJson());
            e.HasOne<Change>().WithOne().HasForeignKey<Message>(m => m.ChangeId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Release>().WithMany().HasForeignKey(m => m.ReleaseId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(m => m.Tenants).WithOne().HasForeignKey(t => t.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(m => m.Revisions).WithOne().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(MessagePostedFilter, m => VisibleTenantId == null || m.Tenants.Any(t => t.TenantId == VisibleTenantId));
        });
        b.Entity<MessageTenant>(e =>
        {
            e.HasKey(t => new { t.TenantId, t.MessageId });
            e.HasIndex(t => t.MessageId);
            // A tenant's Message Center newest first; with the message id it answers a page without reading the postings.
            e.HasIndex(t => new { t.TenantId, t.LastModifiedDateTime, t.MessageId });
            e.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(t => VisibleTenantId == null || t.TenantId == VisibleTenantId);
        });
        b.Entity<MessageRevision>(e =>
        {
            e.HasIndex(r => new { r.MessageId, r.Version });
            e.HasQueryFilter(r => VisibleTenantId == null || Set<MessageTenant>().Any(t => t.MessageId == r.MessageId && t.TenantId == VisibleTenantId));
        });
        b.Entity<MessageViewState>(e =>
        {
            e.HasKey(v => new { v.UserId, v.MessageId });
            e.HasIndex(v => v.MessageId);
            e.HasOne<User>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Message>().WithMany().HasForeignKey(v => v.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(v => VisibleTenantId == null || v.TenantId == VisibleTenantId);
        });
        b.Entity<OutboxMessage>(e =>
        {
            e.ToTable("Outbox");
            e.HasIndex(o => o.DedupKey).IsUnique();
            // The rows waiting to be sent, in the order senders claim them (due time, then id: the rows of one announce share
            // a due time). Partial, so it holds the backlog rather than every email ever sent. Claims, renewals and marks
            // find rows by id, so the lease owner needs no index of its own.
            e.HasIndex(o => new { o.Channel, o.DueAt, o.Id }, "IX_Outbox_Pending").HasFilter("\"SentAt\" IS NULL AND \"DeadAt\" IS NULL");
            e.HasIndex(o => new { o.TenantId, o.CreatedAt });
            e.Ignore(o => o.EmailMessageId);
            // No foreign key to EmailContents: a content is written in the transaction of the emails that use it and never
            // deleted, and an index for a key constraint would slow the insert of every email.
            e.HasQueryFilter(o => VisibleTenantId == null || o.TenantId == VisibleTenantId);
        });
        b.Entity<NotificationPreference>(e =>
        {
            e.HasIndex(p => p.UserId).IsUnique();
            e.HasIndex(p => p.TenantId);
            e.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(p => VisibleTenantId == null || p.TenantId == VisibleTenantId);
        });
        b.Entity<TenantNotificationSettings>(e =>
        {
            e.HasKey(t => t.TenantId);
            e.HasOne<Tenant>().WithOne().HasForeignKey<TenantNotificationSettings>(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(t => VisibleTenantId == null || t.TenantId == VisibleTenantId);
        });
        b.Entity<WebhookEndpoint>(e =>
        {
            e.HasIndex(w => w.TenantId);
            e.Property(w => w.Url).HasMaxLength(2000);
            e.HasOne<Tenant>().WithMany().HasForeignKey(w => w.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(w => VisibleTenantId == null || w.TenantId == VisibleTenantId);
        });
        b.Entity<WebhookDelivery>(e =>
        {
            e.HasIndex(d => new { d.EndpointId, d.At });
            e.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(d => VisibleTenantId == null || d.TenantId == VisibleTenantId);
        });
        b.Entity<ChangeApproval>(e =>
        {
            e.HasIndex(a => new { a.ChangeId, a.TenantId }).IsUnique();
            e.HasIndex(a => new { a.State, a.Deadline });
            e.HasIndex(a => a.TenantId);
            e.Property(a => a.Version).IsConcurrencyToken();
            e.HasOne<Change>().WithMany().HasForeignKey(a => a.ChangeId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);
        });
        b.Entity<TenantApprover>(e =>
        {
            e.HasIndex(a => new { a.TenantId, a.UserId }).IsUnique();
            e.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);
        });
        b.Entity<SupportRequest>(e =>
        {
            e.HasIndex(r => r.Number).IsUnique();
            e.Property(r => r.Title).HasMaxLength(200);
            e.Property(r => r.ContactName).HasMaxLength(200);
            e.Property(r => r.ContactEmail).HasMaxLength(320);
            e.Property(r => r.ContactPhone).HasMaxLength(40);
            e.Property(r => r.CreatedByName).HasMaxLength(200);
            e.Property(r => r.AssigneeName).HasMaxLength(200);
            e.Property(r => r.Version).IsConcurrencyToken();
            e.Ignore(r => r.Reference);
            // The queue (state, severity, age), a tenant's own list, and the release signals (requests per tenant and release).
            e.HasIndex(r => new { r.State, r.Severity, r.CreatedAt });
            e.HasIndex(r => new { r.TenantId, r.State });
            e.HasIndex(r => new { r.ReleaseId, r.TenantId, r.CreatedAt });
            e.HasIndex(r => r.ChangeId);
            e.HasIndex(r => r.AssigneeId);
            e.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Change>().WithMany().HasForeignKey(r => r.ChangeId).OnDelete(DeleteBehavior.Restrict);
            // A release deleted before it went out leaves the request in place, unlinked.
            e.HasOne<Release>().WithMany().HasForeignKey(r => r.ReleaseId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<User>().WithMany().HasForeignKey(r => r.AssigneeId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(r => r.Comments).WithOne().HasForeignKey(c => c.RequestId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        });
        b.Entity<SupportComment>(e =>
        {
            e.HasIndex(c => new { c.RequestId, c.CreatedAt });
            e.Property(c => c.AuthorName).HasMaxLength(200);
            // Internal notes are the provider's: no customer query ever returns them.
            e.HasQueryFilter(c => VisibleTenantId == null || (c.TenantId == VisibleTenantId && !c.IsInternal));
        });
        b.Entity<SupportAttachment>(e =>
        {
            e.HasIndex(a => new { a.RequestId, a.UploadedAt });
            e.Property(a => a.FileName).HasMaxLength(200);
            e.Property(a => a.ContentType).HasMaxLength(100);
            e.Property(a => a.UploadedByName).HasMaxLength(200);
            e.HasOne<SupportRequest>().WithMany().HasForeignKey(a => a.RequestId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);
        });
        ConfigureReleases(b);
        b.Entity<AuditRecord>(e =>
        {
            e.HasKey(r => r.Sequence);
            e.Property(r => r.Sequence).ValueGeneratedNever();
            e.HasIndex(r => r.ChangeId);
            e.HasIndex(r => new { r.EntityType, r.EntityId });
            e.HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId || (r.TenantId == null && r.ChangeId != null));
        });
    }

    void ConfigureReleases(ModelBuilder b)
    {
        b.Entity<Release>(e =>
        {
            e.Property(r => r.Title).HasMaxLength(200);
            e.Property(r => r.CalendarKey).HasMaxLength(40);
            e.HasIndex(r => r.CalendarKey).IsUnique();
            e.HasIndex(r => new { r.State, r.PlannedStart });
            e.Property(r => r.Version).IsConcurrencyToken();
            e.Ignore(r => r.IsEmergency);
            e.HasMany(r => r.Targets).WithOne().HasForeignKey(t => t.ReleaseId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(r => r.Changes).WithOne().HasForeignKey(c => c.ReleaseId).OnDelete(DeleteBehavior.Cascade);
            // A customer sees the releases that reach it.
            e.HasQueryFilter(r => VisibleTenantId == null || r.TargetsAllTenants || r.Targets.Any(t => t.TenantId == VisibleTenantId));
        });
        b.Entity<ReleaseTarget>(e =>
        {
            e.HasKey(t => new { t.ReleaseId, t.TenantId });
            e.HasIndex(t => t.TenantId);
            e.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ReleaseChange>(e =>
        {
            e.HasKey(c => new { c.ReleaseId, c.ChangeId });
            e.HasIndex(c => c.ChangeId);
            e.HasOne<Change>().WithMany().HasForeignKey(c => c.ChangeId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<TenantRing>(e =>
        {
            e.Property(r => r.Name).HasMaxLength(50);
            e.HasIndex(r => new { r.TenantId, r.Position }).IsUnique();
            e.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        });
        b.Entity<TenantRollout>(e =>
        {
            e.HasIndex(r => new { r.ReleaseId, r.TenantId }).IsUnique();
            e.HasIndex(r => r.TenantId);
            e.Property(r => r.Version).IsConcurrencyToken();
            e.Property(r => r.ScheduleMessageId).HasMaxLength(20);
            e.Property(r => r.StartMessageId).HasMaxLength(20);
            e.Property(r => r.SummaryMessageId).HasMaxLength(20);
            e.HasOne<Release>().WithMany().HasForeignKey(r => r.ReleaseId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(r => r.Rings).WithOne().HasForeignKey(r => r.TenantRolloutId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        });
        b.Entity<RingRollout>(e =>
        {
            e.Property(r => r.Name).HasMaxLength(50);
            e.HasIndex(r => new { r.TenantRolloutId, r.Position }).IsUnique();
            e.HasIndex(r => new { r.ReleaseId, r.TenantId });
            e.Property(r => r.Version).IsConcurrencyToken();
            e.HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        });
        b.Entity<RolloutPause>(e =>
        {
            e.Property(p => p.Ring).HasMaxLength(50);
            e.Property(p => p.PausedBy).HasMaxLength(200);
            e.Property(p => p.LiftedBy).HasMaxLength(200);
            e.HasIndex(p => new { p.ReleaseId, p.TenantId, p.LiftedAt });
            e.HasOne<Release>().WithMany().HasForeignKey(p => p.ReleaseId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.Ignore(p => p.IsActive);
            // A service-wide pause concerns every tenant of the release; a tenant's pause only that tenant.
            e.HasQueryFilter(p => VisibleTenantId == null || p.TenantId == null || p.TenantId == VisibleTenantId);
        });
        b.Entity<BlackoutWindow>(e =>
        {
            e.Property(w => w.Title).HasMaxLength(200);
            e.Property(w => w.CreatedBy).HasMaxLength(200);
            e.HasIndex(w => new { w.TenantId, w.End });
            e.HasOne<Tenant>().WithMany().HasForeignKey(w => w.TenantId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(w => VisibleTenantId == null || w.TenantId == null || w.TenantId == VisibleTenantId);
        });
        b.Entity<SignalAggregate>(e =>
        {
            e.Property(a => a.Ring).HasMaxLength(50);
            e.HasIndex(a => a.RingRolloutId).IsUnique();
            e.HasIndex(a => new { a.ReleaseId, a.TenantId });
            e.Ignore(a => a.ReliabilityEvents);
            e.HasOne<RingRollout>().WithMany().HasForeignKey(a => a.RingRolloutId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(a => VisibleTenantId == null || a.TenantId == VisibleTenantId);
        });
        b.Entity<SignalBucket>(e =>
        {
            e.HasIndex(s => new { s.RingRolloutId, s.BucketStart }).IsUnique();
            e.HasIndex(s => new { s.ReleaseId, s.TenantId });
            e.HasOne<RingRollout>().WithMany().HasForeignKey(s => s.RingRolloutId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(s => VisibleTenantId == null || s.TenantId == VisibleTenantId);
        });
        b.Entity<SignalReceipt>(e =>
        {
            e.HasKey(r => r.EventId);
            e.Property(r => r.EventId).HasMaxLength(100);
            e.HasIndex(r => r.ReleaseId);
            e.HasOne<Release>().WithMany().HasForeignKey(r => r.ReleaseId).OnDelete(DeleteBehavior.Cascade);
            e.HasQueryFilter(r => VisibleTenantId == null || r.TenantId == VisibleTenantId);
        });
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    /// <summary>Writes the tracked changes, the bulk rows and the audit records of all of them, in one transaction.</summary>
    async Task<int> WriteChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct)
    {
        var bulkRows = bulk.Where(b => b.Rows.Count > 0).ToList();
        if (ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added) || bulkRows.Any(b => b.Entity.ClrType == typeof(OutboxMessage)))
        {
            OutboxWritten = true;
        }
        var pending = ChangeTracker.Entries()
            .Where(e => e.Entity is IAudited && e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            .Select(e => new PendingAudit(e, e.State, e.State == EntityState.Added ? null : Snapshot(e, original: true)))
            .ToList();
        var bulkAudited = bulkRows.Where(b => typeof(IAudited).IsAssignableFrom(b.Entity.ClrType)).ToList();
        if (pending.Count == 0 && bulkRows.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
        }

        var ownTransaction = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(ct) : null;
        try
        {
            if (pending.Count > 0 || bulkAudited.Count > 0)
            {
                await LockWritesAsync(ct);
            }
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

    /// <summary>
    /// Serialises writers that number things (audit records, messages) inside the current transaction. SQLite's
    /// immediate transactions already hold the database's write lock.
    /// </summary>
    public virtual Task LockWritesAsync(CancellationToken ct) => Task.CompletedTask;

    sealed record PendingAudit(EntityEntry Entry, EntityState State, string? Before);

    async Task AppendAuditAsync(List<PendingAudit> pending, List<BulkTable> bulkAudited, CancellationToken ct)
    {
        var last = await AuditRecords.IgnoreQueryFilters()
            .OrderByDescending(r => r.Sequence)
            .Select(r => new { r.Sequence, r.Hash })
            .FirstOrDefaultAsync(ct);
        var sequence = last?.Sequence ?? 0;
        var previous = last?.Hash ?? AuditChain.GenesisHash;
        var at = AuditChain.Normalize(clock.GetUtcNow());
        var records = new BulkTable(Model.FindEntityType(typeof(AuditRecord))!);
        void Append(IAudited audited, string entityType, string entityId, string action, string? before, string? after)
        {
            sequence++;
            var hash = AuditChain.ComputeHash(sequence, at, user.Id, user.Name, audited.AuditTenantId, audited.AuditChangeId,
                entityType, entityId, action, AuditOperation ?? writeOperation, before, after, previous);
            records.Rows.Add(new AuditRecord
            {
                Sequence = sequence, At = at, ActorId = user.Id, ActorName = user.Name,
                TenantId = audited.AuditTenantId, ChangeId = audited.AuditChangeId,
                EntityType = entityType, EntityId = entityId, Action = action, Operation = AuditOperation ?? writeOperation,
                Before = before, After = after, PreviousHash = previous, Hash = hash,
            });
            previous = hash;
        }
        foreach (var p in pending)
        {
            var after = p.State == EntityState.Deleted ? null : Snapshot(p.Entry, original: false);
            var entityId = string.Join(",", p.Entry.Metadata.FindPrimaryKey()!.Properties.Select(k => p.Entry.Property(k.Name).CurrentValue));
            var action = p.State switch { EntityState.Added => "created", EntityState.Deleted => "deleted", _ => "updated" };
            Append((IAudited)p.Entry.Entity, p.Entry.Metadata.ClrType.Name, entityId, action, p.Before, after);
        }
        foreach (var table in bulkAudited)
        {
            var key = table.Entity.FindPrimaryKey()!.Properties.Select(k => table.Columns.Single(c => c.Property == k)).ToList();
            // The snapshot a tracked insert gets (properties by name, in ordinal order), written value by value rather than
            // through a dictionary per row: the same JSON, for tens of thousands of rows.
            var audited = table.Columns.Where(c => c.Property.PropertyInfo?.IsDefined(typeof(NotAuditedAttribute), false) != true)
                .OrderBy(c => c.Property.Name, StringComparer.Ordinal).Select(c => (Column: c, Name: JsonEncodedText.Encode(c.Property.Name))).ToList();
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using var json = new Utf8JsonWriter(buffer);
            foreach (var row in table.Rows)
            {
                buffer.ResetWrittenCount();
                json.Reset();
                json.WriteStartObject();
                foreach (var (column, name) in audited)
                {
                    json.WritePropertyName(name);
                    if (column.ClrValue(row) is { } value)
                    {
                        JsonSerializer.Serialize(json, value, value.GetType(), SnapshotJson);
                    }
                    else
                    {
                        json.WriteNullValue();
                    }
                }
                json.WriteEndObject();
                json.Flush();
                Append((IAudited)row, table.Entity.ClrType.Name, string.Join(",", key.Select(k => k.ClrValue(row))), "created", null,
                    System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            }
        }
        await WriteBulkAsync(records, ct);
    }

    // Enum values by name, so the history stays readable and keeps its meaning if an enum is reordered.
    static readonly JsonSerializerOptions SnapshotJson = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    static string Snapshot(EntityEntry entry, bool original)
    {
        var values = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in entry.Properties)
        {
            if (property.Metadata.PropertyInfo?.IsDefined(typeof(NotAuditedAttribute), false) == true)
            {
                continue;
            }
            values[property.Metadata.Name] = original ? property.OriginalValue : property.CurrentValue;
        }
        return JsonSerializer.Serialize(values, SnapshotJson);
    }
}
