using ChangeDesk.Data;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

public sealed record ReleaseFilter(string? State = null, string? Kind = null, int? Year = null, int? Month = null);

/// <summary>
/// Releases as the API and the pages read them: the list, one release with what the caller may do with it, and the
/// rings whose planned start falls inside a blackout window. Tenants read the releases that reach them.
/// </summary>
public sealed class ReleaseReader(ChangeDeskDb db, CurrentUser user, ReleaseOptions options, RolloutQueries queries, TimeProvider clock)
{
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
        var allowed = ReleaseStateMachine.OfferedTo(user.AsReleaseActor(), release.State, release.Kind).Select(EnumNames.Of).ToList();
        return new ReleaseView(release.Id, release.Title, release.Description, release.Kind, release.State, release.PlannedStart, release.CalendarKey,
            release.TargetsAllTenants, targets, changes, RolloutQueries.ThresholdsOf(release, options.ThresholdsFor(release)),
            release.Mitigation, release.MitigationAppliedAt, release.BlackoutOverrideReason, release.BlackoutOverrideBy,
            release.StartedAt, release.CompletedAt, release.CancelledAt, release.CancelReason,
            options.Calendar.ScheduleNoticeDue(release.PlannedStart, options.ScheduleNoticeDays),
            await ConflictsAsync(release, now, ct), allowed, release.Version, release.CreatedAt, release.UpdatedAt);
    }

    /// <summary>
    /// The rings (of the tenants the caller can see) whose projected start falls inside a blackout window, for
    /// releases that are still to run.
    /// </summary>
    public async Task<List<BlackoutConflict>> ConflictsAsync(Release release, DateTimeOffset now, CancellationToken ct)
    {
        if (!ReleaseStateMachine.IsOpen(release.State))
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
}
