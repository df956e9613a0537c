using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

public sealed record ReleaseInput
{
    [MaxLength(InputBounds.Name)] public string? Title { get; init; }
    [MaxLength(InputBounds.Markdown)] public string? Description { get; init; }
    [MaxLength(InputBounds.Key)] public string? Kind { get; init; }
    public DateTimeOffset? PlannedStart { get; init; }
    public bool? TargetsAllTenants { get; init; }
    [MaxLength(InputBounds.BulkItems)] public List<Guid>? TargetTenantIds { get; init; }
    [MaxLength(InputBounds.ManyItems)] public List<int>? ChangeIds { get; init; }
    public double? MaxInstallFailurePercent { get; init; }
    public double? MaxReliabilityEventsPer1000 { get; init; }
    public double? MaxSupportRequestsPer1000 { get; init; }
    public int? MinDevices { get; init; }
}

public sealed record CalendarInput(int? Year, int? Month);

public sealed record ChangeIdsInput([property: MaxLength(InputBounds.ManyItems)] List<int>? ChangeIds);

public sealed record ReasonInput([property: MaxLength(InputBounds.Text)] string? Reason);

public sealed record ReleaseMitigationInput([property: MaxLength(InputBounds.Text)] string? Description, DateTimeOffset? AppliedAt);

public sealed record ReleaseFilter(string? State = null, string? Kind = null, int? Year = null, int? Month = null);

/// <summary>
/// Releases for the API and the pages: the calendar, out-of-band releases, bundling changes, editing, starting and
/// cancelling. Release managers and provider admins run releases; everyone else reads the releases that reach them.
/// </summary>
public sealed class ReleaseService(
    ChangeDeskDb db, CurrentUser user, ReleaseOptions options, RolloutQueries queries, ReleaseCommunications comms, RolloutWakeUp wakeUp, TimeProvider clock)
{
    public bool CanRun => user.IsSystem || user.Is(Role.ProviderAdmin, Role.ReleaseManager);

    void EnsureCanRun()
    {
        if (!CanRun)
        {
            throw new ForbiddenException($"Your role ({user.Role?.Name() ?? "none"}) cannot run releases: release managers and provider admins can.");
        }
    }

    public async Task<List<ReleaseSummary>> ListAsync(ReleaseFilter filter, CancellationToken ct)
    {
        var query = db.Releases.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.State))
        {
            query = EnumNames.TryParse<ReleaseState>(filter.State, out var state) ? query.Where(r => r.State == state)
                : throw ValidationFailedException.For("state", $"State must be one of {EnumNames.List<ReleaseState>()}.");
        }
        if (!string.IsNullOrWhiteSpace(filter.Kind))
        {
            query = EnumNames.TryParse<ReleaseKind>(filter.Kind, out var kind) ? query.Where(r => r.Kind == kind)
                : throw ValidationFailedException.For("kind", $"Kind must be one of {EnumNames.List<ReleaseKind>()}.");
        }
        if (filter.Year is { } year)
        {
            if (filter.Month is { } m && m is < 1 or > 12)
            {
                throw ValidationFailedException.For("month", "Month is 1 to 12.");
            }
            var from = new DateTimeOffset(year, filter.Month ?? 1, 1, 0, 0, 0, TimeSpan.Zero);
            var to = filter.Month is null ? from.AddYears(1) : from.AddMonths(1);
            query = query.Where(r => r.PlannedStart >= from && r.PlannedStart < to);
        }
        return await query.OrderByDescending(r => r.PlannedStart)
            .Select(r => new ReleaseSummary(r.Id, r.Title, r.Kind, r.State, r.PlannedStart, r.StartedAt, r.CompletedAt, r.TargetsAllTenants, r.Changes.Count, r.CalendarKey))
            .ToListAsync(ct);
    }

    public async Task<ReleaseView> GetAsync(Guid id, CancellationToken ct)
    {
        var release = await queries.ReleaseAsync(id, ct);
        var now = clock.GetUtcNow();
        var changeIds = release.Changes.Select(c => c.ChangeId).ToList();
        // Through the query filters: a customer reads the bundled changes it can see.
        var changes = (await db.Changes.AsNoTracking().Where(c => changeIds.Contains(c.Id)).OrderBy(c => c.Id)
                .Select(c => new { c.Id, c.Title, c.TypeKey, c.State, c.Consent }).ToListAsync(ct))
            .Select(c => new BundledChangeView(c.Id, $"CHG-{c.Id}", c.Title, c.TypeKey, EnumNames.Of(c.State), EnumNames.Of(c.Consent))).ToList();
        var targets = user.IsProvider ? release.Targets.Select(t => t.TenantId).ToList()
            : release.Targets.Where(t => t.TenantId == user.TenantId).Select(t => t.TenantId).ToList();
        return new ReleaseView(release.Id, release.Title, release.Description, release.Kind, release.State, release.PlannedStart, release.CalendarKey,
            release.TargetsAllTenants, targets, changes, RolloutQueries.ThresholdsOf(release, options.ThresholdsFor(release)),
            release.Mitigation, release.MitigationAppliedAt, release.BlackoutOverrideReason, release.BlackoutOverrideBy,
            release.StartedAt, release.CompletedAt, release.CancelledAt, release.CancelReason,
            options.Calendar.ScheduleNoticeDue(release.PlannedStart, options.ScheduleNoticeDays),
            await ConflictsAsync(release, now, ct), AllowedActions(release), release.Version, release.CreatedAt, release.UpdatedAt);
    }

    IReadOnlyList<string> AllowedActions(Release r)
    {
        var actions = new List<string>();
        var isTenantAdmin = user.Is(Role.TenantAdmin);
        if (CanRun)
        {
            if (r.State == ReleaseState.Scheduled)
            {
                actions.AddRange(["edit", "bundle", "start", "cancel"]);
            }
            if (r.State == ReleaseState.InProgress)
            {
                actions.AddRange(["edit", "expedite", "cancel"]);
            }
            if (r.State is ReleaseState.Scheduled or ReleaseState.InProgress)
            {
                actions.AddRange(["pause", "resume"]);
                if (r.IsEmergency)
                {
                    actions.AddRange(["record-mitigation", "override-blackouts"]);
                }
            }
        }
        else if (isTenantAdmin && r.State is ReleaseState.Scheduled or ReleaseState.InProgress)
        {
            actions.AddRange(["pause", "resume"]);
        }
        return actions;
    }

    /// <summary>
    /// The rings (of the tenants the caller can see) whose projected start falls inside a blackout window, for
    /// releases that are still to run.
    /// </summary>
    public async Task<List<BlackoutConflict>> ConflictsAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        if (release.State is ReleaseState.Completed or ReleaseState.Cancelled)
        {
            return [];
        }
        var snapshot = await queries.LoadAsync(release, null, now, tracking: false, ct);
        var tenantIds = snapshot.Tenants.Select(t => t.Rollout.TenantId).ToList();
        var windows = await db.BlackoutWindows.AsNoTracking().Where(w => w.End > now && (w.TenantId == null || tenantIds.Contains(w.TenantId.Value))).ToListAsync(ct);
        var conflicts = new List<BlackoutConflict>();
        foreach (var t in snapshot.Tenants)
        {
            var decision = RolloutEngine.Decide(t.Input);
            foreach (var ring in decision.Rings.Where(r => r.State == RingState.Pending && r.ProjectedStart is not null))
            {
                var at = ring.ProjectedStart!.Value;
                foreach (var w in windows.Where(w => (w.TenantId == null || w.TenantId == t.Rollout.TenantId) && w.Start <= at && at < w.End))
                {
                    conflicts.Add(new BlackoutConflict(release.Id, release.Title, t.Rollout.TenantId, t.TenantName, ring.Ring, at, w.Id, w.Title, w.TenantId == null, w.End));
                }
            }
        }
        return conflicts;
    }

    /// <summary>
    /// The blackout conflicts of the releases still to run that match the condition (at most <paramref name="max"/>,
    /// soonest first), read in one query rather than one release view each.
    /// </summary>
    public async Task<List<BlackoutConflict>> ConflictsAsync(
        System.Linq.Expressions.Expression<Func<Release, bool>> which, int max, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var active = await db.Releases.AsNoTracking().Include(r => r.Changes).Include(r => r.Targets).AsSplitQuery()
            .Where(r => r.State == ReleaseState.Scheduled || r.State == ReleaseState.InProgress).Where(which)
            .OrderBy(r => r.PlannedStart).Take(max).ToListAsync(ct);
        var conflicts = new List<BlackoutConflict>();
        foreach (var release in active)
        {
            conflicts.AddRange(await ConflictsAsync(release, now, ct));
        }
        return conflicts;
    }

    public async Task<ReleaseView> CreateAsync(ReleaseInput input, CancellationToken ct)
    {
        EnsureCanRun();
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (!EnumNames.TryParse<ReleaseKind>(input.Kind, out var kind))
        {
            errors["kind"] = [$"Kind must be one of {EnumNames.List<ReleaseKind>()}."];
        }
        if (kind != ReleaseKind.OutOfBand && input.PlannedStart is null && !errors.ContainsKey("kind"))
        {
            errors["plannedStart"] = ["A scheduled release needs its planned start (an out-of-band release may leave it out to mean now)."];
        }
        var valid = await ValidateAsync(input, errors, ct);
        var plannedStart = (input.PlannedStart ?? now).ToUniversalTime();
        if (kind != ReleaseKind.OutOfBand)
        {
            CheckNotice(plannedStart, now);
        }
        var release = new Release
        {
            Title = valid.Title, Description = valid.Description, Kind = kind, State = ReleaseState.Scheduled, PlannedStart = plannedStart,
            CreatedById = user.Id ?? Guid.Empty, CreatedAt = now, UpdatedAt = now,
        };
        Apply(release, input, valid);
        foreach (var changeId in valid.ChangeIds)
        {
            release.Changes.Add(new ReleaseChange { ReleaseId = release.Id, ChangeId = changeId });
        }
        db.Releases.Add(release);
        await SyncTenantsAsync(release, ct);
        db.AuditOperation = kind == ReleaseKind.OutOfBand ? "Create out-of-band release" : "Create release";
        await db.SaveChangesAsync(ct);
        wakeUp.Notify();
        return await GetAsync(release.Id, ct);
    }

    sealed record Valid(string Title, string Description, bool TargetsAll, List<Guid> Targets, List<int> ChangeIds);

    async Task<Valid> ValidateAsync(ReleaseInput input, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > 200)
        {
            errors["title"] = ["A release needs a title of 1 to 200 characters."];
        }
        var description = input.Description?.Trim() ?? "";
        if (description.Length > 20_000)
        {
            errors["description"] = ["The description must be 20,000 characters or fewer."];
        }
        if (input.MaxInstallFailurePercent is { } f && (f < 0 || f > 100 || double.IsNaN(f)))
        {
            errors["maxInstallFailurePercent"] = ["A percent between 0 and 100."];
        }
        if (input.MaxReliabilityEventsPer1000 is { } r && (r < 0 || r > 1000 || double.IsNaN(r)))
        {
            errors["maxReliabilityEventsPer1000"] = ["Between 0 and 1,000 events per 1,000 devices."];
        }
        if (input.MaxSupportRequestsPer1000 is { } s && (s < 0 || s > 1000 || double.IsNaN(s)))
        {
            errors["maxSupportRequestsPer1000"] = ["Between 0 and 1,000 requests per 1,000 devices."];
        }
        if (input.MinDevices is < 0 or > 1_000_000)
        {
            errors["minDevices"] = ["Between 0 and 1,000,000 devices."];
        }
        var targets = (input.TargetTenantIds ?? []).Distinct().ToList();
        var all = input.TargetsAllTenants ?? targets.Count == 0;
        if (!all && targets.Count == 0)
        {
            errors["targetTenantIds"] = ["Name the tenants the release reaches, or set targetsAllTenants."];
        }
        if (all && targets.Count > 0)
        {
            errors["targetTenantIds"] = ["A release that reaches every tenant names no tenants."];
        }
        if (targets.Count > 0)
        {
            var known = await db.Tenants.Where(t => targets.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
            if (targets.Except(known).ToList() is { Count: > 0 } unknown)
            {
                errors["targetTenantIds"] = [$"Unknown tenant(s): {string.Join(", ", unknown)}."];
            }
        }
        var changeIds = (input.ChangeIds ?? []).Distinct().ToList();
        await ValidateChangesAsync(changeIds, errors, "changeIds", ct);
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        return new Valid(title, description, all, all ? [] : targets, changeIds);
    }

    async Task ValidateChangesAsync(List<int> ids, Dictionary<string, string[]> errors, string field, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }
        var found = await db.Changes.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.OwnerTenantId, c.State }).ToListAsync(ct);
        for (var i = 0; i < ids.Count; i++)
        {
            var change = found.FirstOrDefault(c => c.Id == ids[i]);
            var problem = change is null ? $"There is no change {ids[i]}."
                : change.OwnerTenantId is not null ? $"CHG-{ids[i]} is a customer's own change: a release bundles the provider's changes."
                : change.State is ChangeState.Cancelled or ChangeState.RolledBack ? $"CHG-{ids[i]} is {EnumNames.Of(change.State)}: it cannot ship in a release."
                : null;
            if (problem is not null)
            {
                errors[$"{field}[{i}]"] = [problem];
            }
        }
    }

    void CheckNotice(DateTimeOffset plannedStart, DateTimeOffset now)
    {
        var earliest = NoticePolicy.EarliestAllowedStart(now, options.ScheduleNoticeDays, options.Zone);
        if (plannedStart < earliest)
        {
            throw new RuleViolationException("notice-period", "Too little notice for a scheduled release.",
                $"A scheduled release is announced {options.ScheduleNoticeDays} days before it starts. The earliest allowed start is {RolloutEngine.When(earliest)}; "
                + "move the planned start, or create an out-of-band release for an emergency.")
            {
                Extensions = { ["earliestAllowedStart"] = earliest, ["noticeDays"] = options.ScheduleNoticeDays },
                Errors = { ["plannedStart"] = [$"Must be {RolloutEngine.When(earliest)} or later ({options.ScheduleNoticeDays} days' notice)."] },
            };
        }
    }

    static void Apply(Release release, ReleaseInput input, Valid valid)
    {
        release.Title = valid.Title;
        release.Description = valid.Description;
        release.MaxInstallFailurePercent = input.MaxInstallFailurePercent;
        release.MaxReliabilityEventsPer1000 = input.MaxReliabilityEventsPer1000;
        release.MaxSupportRequestsPer1000 = input.MaxSupportRequestsPer1000;
        release.MinDevices = input.MinDevices;
        release.TargetsAllTenants = valid.TargetsAll;
        release.Targets.RemoveAll(t => !valid.Targets.Contains(t.TenantId));
        foreach (var t in valid.Targets.Where(t => release.Targets.All(x => x.TenantId != t)))
        {
            release.Targets.Add(new ReleaseTarget { ReleaseId = release.Id, TenantId = t });
        }
    }

    /// <summary>Keeps one tenant rollout per tenant the release reaches: added for new targets, removed (before the start) for dropped ones.</summary>
    public async Task<List<TenantRollout>> SyncTenantsAsync(Release release, CancellationToken ct)
    {
        var wanted = release.TargetsAllTenants
            ? await db.Tenants.IgnoreQueryFilters().Select(t => t.Id).ToListAsync(ct)
            : release.Targets.Select(t => t.TenantId).ToList();
        var rollouts = await db.TenantRollouts.IgnoreQueryFilters().Include(r => r.Rings).Where(r => r.ReleaseId == release.Id).ToListAsync(ct);
        foreach (var gone in rollouts.Where(r => !wanted.Contains(r.TenantId) && r.State == TenantRolloutState.Planned && r.ScheduleMessageId is null).ToList())
        {
            db.TenantRollouts.Remove(gone);
            rollouts.Remove(gone);
        }
        foreach (var tenant in wanted.Except(rollouts.Select(r => r.TenantId)))
        {
            var rollout = new TenantRollout { ReleaseId = release.Id, TenantId = tenant, State = TenantRolloutState.Planned };
            db.TenantRollouts.Add(rollout);
            rollouts.Add(rollout);
        }
        return rollouts;
    }

    async Task<Release> LoadForWriteAsync(Guid id, string? ifMatch, CancellationToken ct)
    {
        var release = await db.Releases.Include(r => r.Changes).Include(r => r.Targets).AsSplitQuery().FirstOrDefaultAsync(r => r.Id == id, ct)
            ?? throw new NotFoundException("Release", id);
        EntityTags.CheckIfMatch(ifMatch, release.Version);
        return release;
    }

    void Touch(Release release, DateTimeOffset now)
    {
        release.Version++;
        release.UpdatedAt = now;
    }

    public async Task<ReleaseView> UpdateAsync(Guid id, ReleaseInput input, string? ifMatch, CancellationToken ct)
    {
        EnsureCanRun();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var release = await LoadForWriteAsync(id, ifMatch, ct);
        var now = clock.GetUtcNow();
        if (release.State is ReleaseState.Completed or ReleaseState.Cancelled)
        {
            throw new ConflictException("not-editable", $"{release.Title} is {EnumNames.Of(release.State)} and can no longer be edited.");
        }
        var errors = new Dictionary<string, string[]>();
        if (input.Kind is not null && (!EnumNames.TryParse<ReleaseKind>(input.Kind, out var kind) || kind != release.Kind))
        {
            errors["kind"] = [$"A release keeps its kind ({EnumNames.Of(release.Kind)}): create another release instead."];
        }
        var valid = await ValidateAsync(input with { ChangeIds = input.ChangeIds ?? release.Changes.Select(c => c.ChangeId).ToList() }, errors, ct);
        var plannedStart = (input.PlannedStart ?? release.PlannedStart).ToUniversalTime();
        if (release.State == ReleaseState.InProgress)
        {
            var locked = new Dictionary<string, string[]>();
            if (plannedStart != release.PlannedStart)
            {
                locked["plannedStart"] = ["The release has started: its start can no longer move."];
            }
            if (valid.TargetsAll != release.TargetsAllTenants || !valid.Targets.Order().SequenceEqual(release.Targets.Select(t => t.TenantId).Order()))
            {
                locked["targetTenantIds"] = ["The release has started: the tenants it reaches can no longer change."];
            }
            if (!valid.ChangeIds.Order().SequenceEqual(release.Changes.Select(c => c.ChangeId).Order()))
            {
                locked["changeIds"] = ["The release has started: its changes can no longer change."];
            }
            if (locked.Count > 0)
            {
                var refused = new ConflictException("not-editable", "The release is in progress: only its title, description and thresholds can change. "
                    + string.Join(" ", locked.Select(l => $"{l.Key}: {l.Value[0]}")));
                foreach (var (field, messages) in locked)
                {
                    refused.Errors[field] = messages;
                }
                throw refused;
            }
        }
        if (plannedStart != release.PlannedStart && release.Kind != ReleaseKind.OutOfBand)
        {
            CheckNotice(plannedStart, now);
        }
        release.PlannedStart = plannedStart;
        Apply(release, input, valid);
        release.Changes.RemoveAll(c => !valid.ChangeIds.Contains(c.ChangeId));
        foreach (var changeId in valid.ChangeIds.Where(c => release.Changes.All(x => x.ChangeId != c)))
        {
            release.Changes.Add(new ReleaseChange { ReleaseId = release.Id, ChangeId = changeId });
        }
        Touch(release, now);
        if (release.State == ReleaseState.Scheduled)
        {
            await SyncTenantsAsync(release, ct);
            db.AuditOperation = "Edit release";
            await db.SaveChangesAsync(ct);
            await RefreshSchedulesAsync(release, now, ct);
        }
        db.AuditOperation = "Edit release";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        wakeUp.Notify();
        return await GetAsync(id, ct);
    }

    /// <summary>Revises the schedule posts already sent, so tenants see the release as it now stands.</summary>
    async Task RefreshSchedulesAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        var posted = await db.TenantRollouts.IgnoreQueryFilters().Where(r => r.ReleaseId == release.Id && r.ScheduleMessageId != null).ToListAsync(ct);
        if (posted.Count == 0)
        {
            return;
        }
        var plans = await queries.PlansAsync(posted.Select(p => p.TenantId).ToList(), ct);
        var conflicts = await ConflictsAsync(release, now, ct);
        foreach (var rollout in posted)
        {
            await comms.ReviseScheduleAsync(release, rollout.ScheduleMessageId!, rollout.TenantId, plans[rollout.TenantId],
                conflicts.Where(c => c.TenantId == rollout.TenantId).ToList(), now, ct);
        }
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        EnsureCanRun();
        var release = await LoadForWriteAsync(id, null, ct);
        if (release.State != ReleaseState.Scheduled || await db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ReleaseId == id, ct))
        {
            throw new ConflictException("not-deletable",
                $"{release.Title} has {(release.State == ReleaseState.Scheduled ? "been announced to tenants" : $"state {EnumNames.Of(release.State)}")}: cancel it instead, so its history stays.");
        }
        db.Releases.Remove(release);
        db.AuditOperation = "Delete release";
        await db.SaveChangesAsync(ct);
    }

    public async Task<CalendarResult> GenerateCalendarAsync(CalendarInput input, CancellationToken ct)
    {
        EnsureCanRun();
        var errors = new Dictionary<string, string[]>();
        if (input.Year is not (>= 2000 and <= 2100))
        {
            errors["year"] = ["Give the year, 2000 to 2100."];
        }
        if (input.Month is not (>= 1 and <= 12))
        {
            errors["month"] = ["Give the month, 1 to 12."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        var now = clock.GetUtcNow();
        var earliest = NoticePolicy.EarliestAllowedStart(now, options.ScheduleNoticeDays, options.Zone);
        var entries = options.Calendar.Month(input.Year!.Value, input.Month!.Value, options.Preview);
        var keys = entries.Select(e => e.Key).ToList();
        var existing = await db.Releases.IgnoreQueryFilters().Where(r => keys.Contains(r.CalendarKey!)).ToDictionaryAsync(r => r.CalendarKey!, r => r.Id, ct);
        var items = new List<CalendarItem>();
        foreach (var entry in entries)
        {
            if (existing.TryGetValue(entry.Key, out var id))
            {
                items.Add(new(entry.Key, entry.Kind, entry.PlannedStart, "existing", id, null));
            }
            else if (entry.PlannedStart < earliest)
            {
                items.Add(new(entry.Key, entry.Kind, entry.PlannedStart, "skipped", null,
                    $"It would start before {RolloutEngine.When(earliest)}, inside the {options.ScheduleNoticeDays}-day schedule notice; create an out-of-band release if it cannot wait."));
            }
            else
            {
                var release = new Release
                {
                    Title = entry.Title, Kind = entry.Kind, State = ReleaseState.Scheduled, PlannedStart = entry.PlannedStart, CalendarKey = entry.Key,
                    Description = entry.Kind == ReleaseKind.Security ? "The monthly security release: security updates for the managed devices."
                        : "The monthly non-security preview: fixes and improvements ahead of next month's security release.",
                    CreatedById = user.Id ?? Guid.Empty, CreatedAt = now, UpdatedAt = now,
                };
                db.Releases.Add(release);
                await SyncTenantsAsync(release, ct);
                items.Add(new(entry.Key, entry.Kind, entry.PlannedStart, "created", release.Id, null));
            }
        }
        if (items.Any(i => i.Outcome == "created"))
        {
            db.AuditOperation = $"Generate the release calendar for {input.Year:0000}-{input.Month:00}";
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Someone generated the same month at the same moment: theirs stands, and the answer is the same.
                db.ChangeTracker.Clear();
                if (!await db.Releases.IgnoreQueryFilters().AsNoTracking().AnyAsync(r => keys.Contains(r.CalendarKey!), ct))
                {
                    throw;
                }
                return await GenerateCalendarAsync(input, ct);
            }
            wakeUp.Notify();
        }
        return new CalendarResult(input.Year.Value, input.Month.Value, items);
    }

    public async Task<ReleaseView> BundleAsync(Guid id, List<int>? changeIds, CancellationToken ct)
    {
        EnsureCanRun();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var release = await LoadForWriteAsync(id, null, ct);
        EnsureScheduled(release, "bundle changes");
        var ids = (changeIds ?? []).Distinct().ToList();
        var errors = new Dictionary<string, string[]>();
        if (ids.Count == 0)
        {
            errors["changeIds"] = ["Give the ids of the changes to bundle."];
        }
        await ValidateChangesAsync(ids, errors, "changeIds", ct);
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        foreach (var changeId in ids.Where(c => release.Changes.All(x => x.ChangeId != c)))
        {
            release.Changes.Add(new ReleaseChange { ReleaseId = release.Id, ChangeId = changeId });
        }
        var now = clock.GetUtcNow();
        Touch(release, now);
        db.AuditOperation = "Bundle changes in release";
        await db.SaveChangesAsync(ct);
        await RefreshSchedulesAsync(release, now, ct);
        db.AuditOperation = "Bundle changes in release";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    public async Task<ReleaseView> UnbundleAsync(Guid id, int changeId, CancellationToken ct)
    {
        EnsureCanRun();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var release = await LoadForWriteAsync(id, null, ct);
        EnsureScheduled(release, "remove changes");
        var link = release.Changes.FirstOrDefault(c => c.ChangeId == changeId) ?? throw new NotFoundException("Bundled change", changeId);
        release.Changes.Remove(link);
        var now = clock.GetUtcNow();
        Touch(release, now);
        db.AuditOperation = "Remove change from release";
        await db.SaveChangesAsync(ct);
        await RefreshSchedulesAsync(release, now, ct);
        db.AuditOperation = "Remove change from release";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    static void EnsureScheduled(Release release, string what)
    {
        if (release.State != ReleaseState.Scheduled)
        {
            throw new ConflictException("not-editable", $"{release.Title} is {EnumNames.Of(release.State)}: you can {what} only before it starts.");
        }
    }

    public async Task<ReleaseView> RecordMitigationAsync(Guid id, string? description, DateTimeOffset? appliedAt, CancellationToken ct)
    {
        EnsureCanRun();
        var release = await LoadForWriteAsync(id, null, ct);
        var now = clock.GetUtcNow();
        EnsureEmergency(release, "A mitigation is recorded for an out-of-band (emergency) release");
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(description) || description.Trim().Length > 5000)
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
        if (release.State is ReleaseState.Completed or ReleaseState.Cancelled)
        {
            throw new ConflictException("not-editable", $"{release.Title} is {EnumNames.Of(release.State)}.");
        }
        release.Mitigation = description!.Trim();
        release.MitigationAppliedAt = (appliedAt ?? now).ToUniversalTime();
        Touch(release, now);
        db.AuditOperation = "Record release mitigation";
        await db.SaveChangesAsync(ct);
        return await GetAsync(id, ct);
    }

    public async Task<ReleaseView> OverrideBlackoutsAsync(Guid id, string? reason, CancellationToken ct)
    {
        EnsureCanRun();
        var release = await LoadForWriteAsync(id, null, ct);
        EnsureEmergency(release, "Only an out-of-band (emergency) release may start rings inside blackout windows");
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 1000)
        {
            throw ValidationFailedException.For("reason", "Record why the emergency cannot wait for the blackout windows (1 to 1,000 characters).");
        }
        if (release.State is ReleaseState.Completed or ReleaseState.Cancelled)
        {
            throw new ConflictException("not-editable", $"{release.Title} is {EnumNames.Of(release.State)}.");
        }
        var now = clock.GetUtcNow();
        release.BlackoutOverrideReason = reason.Trim();
        release.BlackoutOverrideBy = user.Name;
        release.BlackoutOverrideAt = now;
        Touch(release, now);
        db.AuditOperation = "Override blackout windows for an emergency release";
        await db.SaveChangesAsync(ct);
        wakeUp.Notify();
        return await GetAsync(id, ct);
    }

    static void EnsureEmergency(Release release, string rule)
    {
        if (!release.IsEmergency)
        {
            throw new RuleViolationException("not-emergency", "Emergency releases only.",
                $"{rule}; {release.Title} is a {ReleaseCommunications.KindName(release.Kind)} release.");
        }
    }

    public async Task<ReleaseView> StartAsync(Guid id, string? ifMatch, CancellationToken ct)
    {
        EnsureCanRun();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var release = await LoadForWriteAsync(id, ifMatch, ct);
        var now = clock.GetUtcNow();
        if (release.State != ReleaseState.Scheduled)
        {
            throw new ConflictException("invalid-transition", $"{release.Title} is {EnumNames.Of(release.State)}: only a scheduled release can start.")
            {
                Extensions = { ["currentState"] = EnumNames.Of(release.State) },
            };
        }
        if (!release.IsEmergency && now < release.PlannedStart)
        {
            throw new ConflictException("before-planned-start",
                $"{release.Title} is announced for {RolloutEngine.When(release.PlannedStart)} and starts then by itself; an emergency that cannot wait is an out-of-band release.")
            {
                Extensions = { ["plannedStart"] = release.PlannedStart },
            };
        }
        await StartCoreAsync(release, now, ct);
        db.AuditOperation = "Start release";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        wakeUp.Notify();
        return await GetAsync(id, ct);
    }

    /// <summary>
    /// Starts a release (in the caller's transaction): each tenant's rollout takes a snapshot of the tenant's ring
    /// plan and gets its start post. An emergency release needs its mitigation recorded first.
    /// </summary>
    public async Task StartCoreAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        if (release.IsEmergency && !(release.MitigationAppliedAt <= now))
        {
            throw new RuleViolationException("mitigation-first", "Apply a mitigation before notifying.",
                $"{release.Title} is an emergency release: record the mitigation you applied (POST /api/releases/{release.Id}/mitigation) before starting it, which notifies every tenant.");
        }
        release.State = ReleaseState.InProgress;
        release.StartedAt = now;
        Touch(release, now);
        var rollouts = await SyncTenantsAsync(release, ct);
        var plans = await queries.PlansAsync(rollouts.Select(r => r.TenantId).ToList(), ct);
        foreach (var rollout in rollouts)
        {
            rollout.State = TenantRolloutState.InProgress;
            rollout.Version++;
            var position = 0;
            foreach (var ring in plans[rollout.TenantId])
            {
                var row = new RingRollout
                {
                    TenantRolloutId = rollout.Id, ReleaseId = release.Id, TenantId = rollout.TenantId, Name = ring.Name, Position = position++,
                    Devices = ring.Devices, SharePercent = ring.SharePercent, DeferralDays = ring.DeferralDays, SoakDays = ring.SoakDays, State = RingState.Pending,
                };
                rollout.Rings.Add(row);
                db.SignalAggregates.Add(new SignalAggregate { RingRolloutId = row.Id, ReleaseId = release.Id, TenantId = rollout.TenantId, Ring = ring.Name });
            }
            rollout.StartMessageId = await comms.PostStartAsync(release, rollout, now, ct);
        }
    }

    public async Task<ReleaseView> CancelAsync(Guid id, string? reason, CancellationToken ct)
    {
        EnsureCanRun();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 1000)
        {
            throw ValidationFailedException.For("reason", "Say why the release is cancelled (1 to 1,000 characters); tenants read it.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var release = await LoadForWriteAsync(id, null, ct);
        if (release.State is not (ReleaseState.Scheduled or ReleaseState.InProgress))
        {
            throw new ConflictException("invalid-transition", $"{release.Title} is {EnumNames.Of(release.State)}: it can no longer be cancelled.")
            {
                Extensions = { ["currentState"] = EnumNames.Of(release.State) },
            };
        }
        var now = clock.GetUtcNow();
        release.State = ReleaseState.Cancelled;
        release.CancelledAt = now;
        release.CancelReason = reason.Trim();
        Touch(release, now);
        var rollouts = await db.TenantRollouts.IgnoreQueryFilters().Where(r => r.ReleaseId == id).ToListAsync(ct);
        foreach (var r in rollouts.Where(r => r.State != TenantRolloutState.Completed))
        {
            r.State = TenantRolloutState.Cancelled;
            r.Version++;
        }
        await comms.CancelledAsync(release, rollouts.Where(r => r.ScheduleMessageId != null || r.StartMessageId != null).Select(r => r.TenantId).ToList(), now, ct);
        db.AuditOperation = "Cancel release";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }
}
