using ChangeDesk.Data;
using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Signals;

/// <summary>
/// One signal report for a ring of a tenant's rollout of a release. Counts are increments since the sender's
/// previous report; <see cref="Devices"/> is the ring's current device count (the latest report wins).
/// </summary>
public sealed record SignalEventInput
{
    /// <summary>The sender's id for this event: an event sent again with the same id is counted once.</summary>
    [MaxLength(100)] public string? EventId { get; init; }

    public Guid? ReleaseId { get; init; }
    public Guid? TenantId { get; init; }
    [MaxLength(InputBounds.Name)] public string? Ring { get; init; }

    /// <summary>When the counts were observed; now when left out.</summary>
    public DateTimeOffset? At { get; init; }

    public int? Devices { get; init; }
    public long? InstallSuccesses { get; init; }
    public long? InstallFailures { get; init; }
    public long? Crashes { get; init; }
    public long? Hangs { get; init; }
    public long? BootFailures { get; init; }
}

public sealed record SignalBatchInput([property: MaxLength(SignalIngestor.MaxItems)] List<SignalEventInput>? Items);

public sealed record SignalBatchResult(int Accepted, int Duplicates, IReadOnlyList<string> DuplicateEventIds);

/// <summary>
/// Takes batches of signal events and adds them to the running totals and hourly history of each ring, in one
/// transaction per batch: a batch with one bad item is refused whole (the problem names the item and field), so a
/// sender can fix and resend it without anything counted twice. A batch locks the counter rows of the rings it
/// counts in, so instances receiving signals for the same ring at once never lose an increment, and batches for other
/// rings do not wait.
/// </summary>
public sealed class SignalIngestor(ChangeDeskDb db, CurrentUser user, RolloutWakeUp wakeUp, TimeProvider clock)
{
    public const int MaxItems = 1000;
    const long MaxCount = 10_000_000;

    sealed record Resolved(int Index, SignalEventInput Item, RingRollout Ring, DateTimeOffset At);

    public async Task<SignalBatchResult> IngestAsync(SignalBatchInput? batch, CancellationToken ct)
    {
        if (!user.Is(Role.ProviderAdmin, Role.ReleaseManager, Role.TenantAdmin) && !user.IsSystem)
        {
            throw new ForbiddenException("Signals are reported with the token of a release manager or provider admin, or of a tenant admin for its own tenant.");
        }
        var items = batch?.Items;
        if (items is null || items.Count == 0 || items.Count > MaxItems)
        {
            throw ValidationFailedException.For("items", $"Send 1 to {MaxItems:N0} signal events in items.");
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (!user.IsProvider && items[i]?.TenantId is { } t && t != user.TenantId)
            {
                throw new ForbiddenException($"items[{i}].tenantId: a tenant's token reports signals for its own tenant only.");
            }
        }
        var now = clock.GetUtcNow();
        var releaseIds = items.Where(i => i?.ReleaseId is not null).Select(i => i.ReleaseId!.Value).Distinct().ToList();
        var releases = await db.Releases.AsNoTracking().Where(r => releaseIds.Contains(r.Id))
            .Select(r => new { r.Id, r.Title, r.State, r.StartedAt }).ToDictionaryAsync(r => r.Id, ct);
        var rings = await db.RingRollouts.AsNoTracking().Where(r => releaseIds.Contains(r.ReleaseId)).ToListAsync(ct);
        var errors = new Dictionary<string, string[]>();
        var resolved = new List<Resolved>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var at = $"items[{i}]";
            void Error(string field, string message) => errors[$"{at}.{field}"] = [message];
            if (item is null)
            {
                errors[at] = ["An item is a signal event object."];
                continue;
            }
            if (item.EventId is { } id && (id.Trim().Length is 0 or > 100))
            {
                Error("eventId", "An event id is 1 to 100 characters.");
            }
            var counts = new (string Field, long? Value)[]
            {
                ("devices", item.Devices), ("installSuccesses", item.InstallSuccesses), ("installFailures", item.InstallFailures),
                ("crashes", item.Crashes), ("hangs", item.Hangs), ("bootFailures", item.BootFailures),
            };
            foreach (var (field, value) in counts.Where(c => c.Value is < 0 or > MaxCount))
            {
                Error(field, $"A count is between 0 and {MaxCount:N0}.");
            }
            if (counts.All(c => c.Value is null))
            {
                errors[at] = ["Report at least one of devices, installSuccesses, installFailures, crashes, hangs, bootFailures."];
            }
            var observed = (item.At ?? now).ToUniversalTime();
            if (observed > now + TimeSpan.FromMinutes(5))
            {
                Error("at", "Signals are observed, not forecast: at must not be in the future.");
            }
            if (item.ReleaseId is not { } releaseId)
            {
                Error("releaseId", "Name the release.");
                continue;
            }
            if (!releases.TryGetValue(releaseId, out var release))
            {
                Error("releaseId", $"There is no release {releaseId} that you can see.");
                continue;
            }
            if (release.State is ReleaseState.Scheduled or ReleaseState.Cancelled)
            {
                Error("releaseId", $"{release.Title} is {EnumNames.Of(release.State)}: signals are taken from its start on.");
                continue;
            }
            if (observed < release.StartedAt - TimeSpan.FromHours(1))
            {
                Error("at", $"{release.Title} started on {RolloutEngine.When(release.StartedAt)}: a signal of the release cannot be older.");
            }
            if (item.TenantId is not { } tenantId)
            {
                Error("tenantId", "Name the tenant.");
                continue;
            }
            var tenantRings = rings.Where(r => r.ReleaseId == releaseId && r.TenantId == tenantId).OrderBy(r => r.Position).ToList();
            if (tenantRings.Count == 0)
            {
                Error("tenantId", $"Tenant {tenantId} is not part of {release.Title}.");
                continue;
            }
            var ring = tenantRings.FirstOrDefault(r => string.Equals(r.Name, item.Ring?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (ring is null)
            {
                Error("ring", $"The tenant's rollout of {release.Title} has the rings {string.Join(", ", tenantRings.Select(r => r.Name))}.");
                continue;
            }
            resolved.Add(new Resolved(i, item, ring, observed));
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        var (freshCount, duplicates) = await db.WriteAsync("Ingest signals", async () =>
        {
            var ids = resolved.Where(r => r.Item.EventId is not null).Select(r => r.Item.EventId!.Trim()).Distinct().ToList();
            var seen = (await db.SignalReceipts.IgnoreQueryFilters().Where(r => ids.Contains(r.EventId)).Select(r => r.EventId).ToListAsync(ct)).ToHashSet();
            var duplicates = new List<string>();
            var fresh = new List<Resolved>();
            foreach (var r in resolved)
            {
                if (r.Item.EventId?.Trim() is { } id)
                {
                    if (!seen.Add(id))
                    {
                        duplicates.Add(id);
                        continue;
                    }
                    db.SignalReceipts.Add(new SignalReceipt { EventId = id, ReleaseId = r.Ring.ReleaseId, TenantId = r.Ring.TenantId, ReceivedAt = now });
                }
                fresh.Add(r);
            }
            var ringIds = fresh.Select(r => r.Ring.Id).Distinct().ToList();
            // The counters are read, added to and written back: their rows stay locked until this batch commits, so
            // batches for the same rings queue up instead of overwriting each other's counts. Always in key order, so
            // two batches never wait for each other. A bucket two batches open at once is a unique key: the runner
            // tries the later batch again, which then finds it.
            var aggregates = await db.SignalAggregates.IgnoreQueryFilters().Where(a => ringIds.Contains(a.RingRolloutId))
                .OrderBy(a => a.RingRolloutId).ForUpdate().ToDictionaryAsync(a => a.RingRolloutId, ct);
            var hours = fresh.Select(r => SignalBucket.StartOf(r.At)).Distinct().ToList();
            var buckets = await db.SignalBuckets.IgnoreQueryFilters().Where(b => ringIds.Contains(b.RingRolloutId) && hours.Contains(b.BucketStart))
                .OrderBy(b => b.RingRolloutId).ThenBy(b => b.BucketStart).ForUpdate().ToDictionaryAsync(b => (b.RingRolloutId, b.BucketStart), ct);
            foreach (var r in fresh)
            {
                var aggregate = aggregates[r.Ring.Id];
                Add(aggregate, r.Item, r.At);
                var key = (r.Ring.Id, SignalBucket.StartOf(r.At));
                if (!buckets.TryGetValue(key, out var bucket))
                {
                    bucket = new SignalBucket { RingRolloutId = r.Ring.Id, ReleaseId = r.Ring.ReleaseId, TenantId = r.Ring.TenantId, BucketStart = key.Item2 };
                    db.SignalBuckets.Add(bucket);
                    buckets[key] = bucket;
                }
                bucket.InstallSuccesses += r.Item.InstallSuccesses ?? 0;
                bucket.InstallFailures += r.Item.InstallFailures ?? 0;
                bucket.Crashes += r.Item.Crashes ?? 0;
                bucket.Hangs += r.Item.Hangs ?? 0;
                bucket.BootFailures += r.Item.BootFailures ?? 0;
                if (r.Item.Devices is { } devices && (bucket.DevicesReportedAt is null || r.At >= bucket.DevicesReportedAt))
                {
                    bucket.Devices = devices;
                    bucket.DevicesReportedAt = r.At;
                }
            }
            return (fresh.Count, duplicates);
        }, ct);
        if (freshCount > 0)
        {
            wakeUp.Notify();
        }
        return new SignalBatchResult(freshCount, duplicates.Count, duplicates);
    }

    static void Add(SignalAggregate a, SignalEventInput item, DateTimeOffset at)
    {
        a.InstallSuccesses += item.InstallSuccesses ?? 0;
        a.InstallFailures += item.InstallFailures ?? 0;
        a.Crashes += item.Crashes ?? 0;
        a.Hangs += item.Hangs ?? 0;
        a.BootFailures += item.BootFailures ?? 0;
        if (item.Devices is { } devices && (a.DevicesReportedAt is null || at >= a.DevicesReportedAt))
        {
            a.Devices = devices;
            a.DevicesReportedAt = at;
        }
        if (a.LastEventAt is null || at > a.LastEventAt)
        {
            a.LastEventAt = at;
        }
    }
}
