using System.Globalization;
using System.Text;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Releases;

/// <summary>
/// What a release tells people, through the Message Center and the email pipeline: each tenant gets its own posts
/// (its schedule and rings, the start, advisories when its rollout is paused, resumed or expedited, and a summary
/// of its devices updated), and the provider's release managers get an email when a rollout pauses or a release
/// completes. Everything is written in the caller's transaction.
/// </summary>
public sealed class ReleaseCommunications(ChangeDeskDb db, MessagePublisher publisher, Notifier notifier, ServiceOptions service)
{
    public string LinkTo(Release release) => service.LinkTo($"/releases/{release.Id}");

    public static string KindName(ReleaseKind kind) => kind switch
    {
        ReleaseKind.Security => "security",
        ReleaseKind.NonSecurity => "non-security",
        _ => "out-of-band",
    };

    /// <summary>The bundled changes a tenant may read about: the provider's announced changes that reach it.</summary>
    async Task<List<(string Number, string Title, List<string> Services)>> ChangesForAsync(Release release, Guid tenant, CancellationToken ct)
    {
        var ids = release.Changes.Select(c => c.ChangeId).ToList();
        var rows = await db.Changes.IgnoreQueryFilters().AsNoTracking()
            .Where(c => ids.Contains(c.Id) && c.OwnerTenantId == null && c.State != ChangeState.Draft
                && (c.TargetsAllTenants || c.Targets.Any(t => t.TenantId == tenant)))
            .OrderBy(c => c.Id).Select(c => new { c.Id, c.Title, c.Services }).ToListAsync(ct);
        return rows.Select(c => ($"CHG-{c.Id}", c.Title, c.Services)).ToList();
    }

    MessageContent Content(Release release, string title, string category, string severity, string body, List<string> services) =>
        new(title, category, severity, false, services.Count > 0 ? services : ["Windows"], [], release.PlannedStart, null, null, body,
            [
                new("ReleaseKind", KindName(release.Kind)),
                new("ReleaseId", release.Id.ToString()),
                new("ExternalLink", LinkTo(release)),
                .. release.IsEmergency ? new[] { new MessageDetail("Emergency", "true") } : [],
            ],
            "none");

    static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    static string When(DateTimeOffset? at) => RolloutEngine.When(at);

    static string Size(int? devices, double? share) =>
        devices is { } d ? $"{d:N0} devices" : share is { } s ? $"{s.ToString("0.##", CultureInfo.InvariantCulture)} % of the other devices" : "—";

    async Task<string> ScheduleBodyAsync(Release release, Guid tenant, IReadOnlyList<RingDefinition> plan, IReadOnlyList<BlackoutConflict> conflicts, CancellationToken ct)
    {
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"The {KindName(release.Kind)} release **{release.Title}** starts on {When(release.PlannedStart)}. ");
        body.Append("It rolls out to your devices ring by ring; each ring starts after its deferral, once the previous ring has soaked and its data signals are within thresholds.\n\n");
        body.Append("| Ring | Devices | Deferral | Soak | Planned start |\n|---|---|---|---|---|\n");
        var previous = (DateTimeOffset?)null;
        var previousSoak = 0;
        foreach (var ring in plan)
        {
            var start = release.PlannedStart.AddDays(ring.DeferralDays);
            if (previous is { } p && p.AddDays(previousSoak) > start)
            {
                start = p.AddDays(previousSoak);
            }
            body.Append(CultureInfo.InvariantCulture, $"| {Cell(ring.Name)} | {Size(ring.Devices, ring.SharePercent)} | {ring.DeferralDays} d | {ring.SoakDays} d | {When(start)} |\n");
            previous = start;
            previousSoak = ring.SoakDays;
        }
        var changes = await ChangesForAsync(release, tenant, ct);
        body.Append("\n**Included changes:**\n\n");
        body.Append(changes.Count == 0 ? "- The cumulative updates of this release, with no change announced separately.\n"
            : string.Concat(changes.Select(c => $"- {c.Number}: {c.Title}\n")));
        foreach (var c in conflicts)
        {
            body.Append(CultureInfo.InvariantCulture, $"\n**Blackout:** ring {c.Ring} is planned for {When(c.PlannedStart)}, inside the blackout window '{c.Window}' (until {When(c.WindowEnd)}); it waits until the window ends.\n");
        }
        body.Append("\n**What to do:** test your business applications on the devices of the first rings. If something breaks, pause your tenant's rollout in ChangeDesk and create a support request.");
        return body.ToString();
    }

    async Task<List<string>> ServicesAsync(Release release, Guid tenant, CancellationToken ct) =>
        (await ChangesForAsync(release, tenant, ct)).SelectMany(c => c.Services).Distinct().Order().ToList();

    public async Task<string> PostScheduleAsync(Release release, Guid tenant, IReadOnlyList<RingDefinition> plan, IReadOnlyList<BlackoutConflict> conflicts, DateTimeOffset now, CancellationToken ct)
    {
        var content = Content(release, $"{release.Title}: release schedule", MessageCategory.PlanForChange, MessageSeverity.Normal,
            await ScheduleBodyAsync(release, tenant, plan, conflicts, ct), await ServicesAsync(release, tenant, ct));
        return (await publisher.PostForReleaseAsync(release.Id, content, [tenant], now, ct)).Id;
    }

    public async Task ReviseScheduleAsync(Release release, string messageId, Guid tenant, IReadOnlyList<RingDefinition> plan, IReadOnlyList<BlackoutConflict> conflicts, DateTimeOffset now, CancellationToken ct)
    {
        var content = Content(release, $"{release.Title}: release schedule", MessageCategory.PlanForChange, MessageSeverity.Normal,
            await ScheduleBodyAsync(release, tenant, plan, conflicts, ct), await ServicesAsync(release, tenant, ct)) with
        { Tags = [MessageTags.UpdatedMessage] };
        await publisher.ReviseReleasePostAsync(messageId, content, now, ct);
    }

    public async Task<string> PostStartAsync(Release release, TenantRollout rollout, DateTimeOffset now, CancellationToken ct)
    {
        var body = new StringBuilder($"The {KindName(release.Kind)} release **{release.Title}** started on {When(release.StartedAt)}.");
        if (release.IsEmergency && release.Mitigation is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"\n\n**Mitigation applied {When(release.MitigationAppliedAt)}:** {release.Mitigation}");
        }
        body.Append("\n\n| Ring | Starts at the earliest |\n|---|---|\n");
        foreach (var ring in rollout.Rings.OrderBy(r => r.Position))
        {
            body.Append(CultureInfo.InvariantCulture, $"| {Cell(ring.Name)} | {When(release.StartedAt!.Value.AddDays(ring.DeferralDays))} |\n");
        }
        body.Append("\nEach ring starts once the previous one has soaked and its signals are within thresholds. You can pause your tenant's rollout at any time.");
        var content = Content(release, $"{release.Title}: rollout started", release.IsEmergency ? MessageCategory.PreventOrFixIssue : MessageCategory.StayInformed,
            release.IsEmergency ? MessageSeverity.High : MessageSeverity.Normal, body.ToString(), await ServicesAsync(release, rollout.TenantId, ct)) with
        { StartDateTime = now };
        await notifier.WebhookAsync(WebhookEvents.ReleaseStarted, rollout.TenantId, null, $"{release.Id}:{rollout.TenantId}",
            new { releaseId = release.Id, release = release.Title, kind = KindName(release.Kind), tenantId = rollout.TenantId, startedAt = release.StartedAt }, now, ct);
        return (await publisher.PostForReleaseAsync(release.Id, content, [rollout.TenantId], now, ct)).Id;
    }

    /// <summary>An advisory to each affected tenant, an email to the release managers and a webhook event.</summary>
    public async Task PausedAsync(Release release, RolloutPause pause, IReadOnlyCollection<Guid> tenants, string? providerDetail, DateTimeOffset now, CancellationToken ct)
    {
        var who = pause.Side == PauseSide.Tenant ? "your tenant" : pause.Cause == PauseCause.SignalBreach ? "the provider, automatically" : "the provider";
        var scope = pause.TenantId is null ? "for every tenant" : "for your tenant";
        var body = $"The rollout of **{release.Title}** is paused {scope} since {When(pause.PausedAt)}, by {who}.\n\n**Reason:** {pause.Reason}\n\n"
            + "No further ring starts and the deployment of rings that have not completed is halted until the pause is lifted. Rings that completed keep the update.";
        if (pause.Side == PauseSide.Provider)
        {
            body += " We will post an update when the rollout resumes. If you see problems on devices that have the update, create a support request.";
        }
        var content = Content(release, $"{release.Title}: rollout paused", MessageCategory.PreventOrFixIssue,
            pause.Cause == PauseCause.SignalBreach ? MessageSeverity.High : MessageSeverity.Normal, body, ["Windows"]) with
        { StartDateTime = now };
        await publisher.PostForReleaseAsync(release.Id, content, tenants, now, ct);
        var tenantName = pause.TenantId is { } t ? await NameAsync(t, ct) : null;
        var scopeText = tenantName is null ? "every tenant" : tenantName;
        var by = pause.Side == PauseSide.Tenant ? $"{pause.PausedBy} ({tenantName})" : pause.PausedBy;
        await StaffEmailAsync(pause.Cause == PauseCause.SignalBreach ? WebhookEvents.RolloutPaused + ".breach" : WebhookEvents.RolloutPaused, $"{pause.Id}",
            EmailTemplates.StaffAlert($"[ChangeDesk] Rollout paused: {release.Title} ({scopeText})", $"{release.Title}: rollout paused for {scopeText}",
                pause.Cause == PauseCause.SignalBreach ? "Data signals breached the release's thresholds, so the rollout paused itself." : $"{by} paused the rollout.",
                [("Release", release.Title), ("Scope", scopeText), ("Side", EnumNames.Of(pause.Side)), ("Reason", pause.Reason), .. providerDetail is null ? [] : new[] { ("Detail", providerDetail) },
                    ("Paused at", When(pause.PausedAt))], null, LinkTo(release), "Open the rollout"), now, ct);
        foreach (var tenant in tenants)
        {
            await notifier.WebhookAsync(WebhookEvents.RolloutPaused, tenant, null, $"{pause.Id}:{tenant}",
                new { releaseId = release.Id, release = release.Title, tenantId = tenant, serviceWide = pause.TenantId is null, side = EnumNames.Of(pause.Side), cause = EnumNames.Of(pause.Cause), reason = pause.Reason, ring = pause.Ring },
                now, ct);
        }
    }

    public async Task ResumedAsync(Release release, IReadOnlyList<RolloutPause> lifted, IReadOnlyCollection<Guid> tenants, IReadOnlyList<string> stillPausedBy, DateTimeOffset now, CancellationToken ct)
    {
        var first = lifted[0];
        var scope = first.TenantId is null ? "for every tenant" : "for your tenant";
        var body = $"The pause of **{release.Title}** {scope} was lifted on {When(now)} by {(first.Side == PauseSide.Tenant ? "your tenant" : "the provider")}"
            + (first.LiftReason is null ? "." : $": {first.LiftReason}")
            + (stillPausedBy.Count > 0 ? $"\n\nThe rollout stays paused: {string.Join("; ", stillPausedBy)}." : "\n\nThe rollout goes on ring by ring.");
        var content = Content(release, $"{release.Title}: rollout resumed", MessageCategory.StayInformed, MessageSeverity.Normal, body, ["Windows"]) with { StartDateTime = now };
        await publisher.PostForReleaseAsync(release.Id, content, tenants, now, ct);
        var scopeText = first.TenantId is { } t ? await NameAsync(t, ct) : "every tenant";
        await StaffEmailAsync(WebhookEvents.RolloutResumed, $"{first.Id}",
            EmailTemplates.StaffAlert($"[ChangeDesk] Rollout resumed: {release.Title} ({scopeText})", $"{release.Title}: pause lifted for {scopeText}",
                $"{first.LiftedBy} lifted the pause.", [("Release", release.Title), ("Scope", scopeText), ("Paused for", first.Reason), ("Still paused", stillPausedBy.Count == 0 ? "no" : string.Join("; ", stillPausedBy))],
                null, LinkTo(release), "Open the rollout"), now, ct);
        foreach (var tenant in tenants)
        {
            await notifier.WebhookAsync(WebhookEvents.RolloutResumed, tenant, null, $"{first.Id}:{tenant}",
                new { releaseId = release.Id, release = release.Title, tenantId = tenant, serviceWide = first.TenantId is null, side = EnumNames.Of(first.Side), stillPaused = stillPausedBy.Count > 0 },
                now, ct);
        }
    }

    public async Task ExpeditedAsync(Release release, IReadOnlyCollection<Guid> tenants, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var body = $"The rollout of **{release.Title}** is expedited since {When(now)}: every remaining ring starts now instead of waiting for its deferral and soak.\n\n**Reason:** {reason}\n\n"
            + "A pause your tenant has set stays in force: lift it when you are ready.";
        var content = Content(release, $"{release.Title}: rollout expedited", MessageCategory.PreventOrFixIssue, MessageSeverity.High, body, ["Windows"]) with { StartDateTime = now };
        await publisher.PostForReleaseAsync(release.Id, content, tenants, now, ct);
        foreach (var tenant in tenants)
        {
            await notifier.WebhookAsync(WebhookEvents.RolloutExpedited, tenant, null, $"{release.Id}:{tenant}:{now.UtcTicks}",
                new { releaseId = release.Id, release = release.Title, tenantId = tenant, reason }, now, ct);
        }
    }

    public async Task CancelledAsync(Release release, IReadOnlyCollection<Guid> tenants, DateTimeOffset now, CancellationToken ct)
    {
        if (tenants.Count == 0)
        {
            return;
        }
        var body = $"The release **{release.Title}** was cancelled on {When(now)}: {release.CancelReason}\n\nDo not deploy it further.";
        var content = Content(release, $"{release.Title}: release cancelled", MessageCategory.StayInformed, MessageSeverity.Normal, body, ["Windows"]) with { StartDateTime = now };
        await publisher.PostForReleaseAsync(release.Id, content, tenants, now, ct);
    }

    public sealed record RingOutcome(string Ring, int Devices, long Updated, long Failed)
    {
        public double? UpdatedPercent => Devices == 0 ? null : Math.Min(100, 100.0 * Updated / Devices);
        public string Share => UpdatedPercent is { } p ? ThresholdEvaluator.Percent(p) : "no devices reported";
    }

    public static List<RingOutcome> Outcomes(TenantRollout rollout, IReadOnlyDictionary<Guid, SignalAggregate> aggregates) =>
        rollout.Rings.OrderBy(r => r.Position).Select(r => aggregates.GetValueOrDefault(r.Id) is { } a
            ? new RingOutcome(r.Name, a.Devices, a.InstallSuccesses, a.InstallFailures) : new RingOutcome(r.Name, 0, 0, 0)).ToList();

    /// <summary>The summary a tenant gets when its rollout completes: the share of devices updated in each ring.</summary>
    public async Task<string> PostSummaryAsync(Release release, TenantRollout rollout, IReadOnlyList<RingOutcome> rings, DateTimeOffset now, CancellationToken ct)
    {
        var devices = rings.Sum(r => (long)r.Devices);
        var updated = rings.Sum(r => r.Updated);
        var body = new StringBuilder($"The rollout of **{release.Title}** to your devices completed on {When(now)}.");
        if (devices > 0)
        {
            body.Append(CultureInfo.InvariantCulture, $" {ThresholdEvaluator.Percent(Math.Min(100, 100.0 * updated / devices))} of your devices reported the update installed ({updated:N0} of {devices:N0}).");
        }
        body.Append("\n\n| Ring | Devices | Updated | Failed installs | Share updated |\n|---|---|---|---|---|\n");
        foreach (var r in rings)
        {
            body.Append(CultureInfo.InvariantCulture, $"| {Cell(r.Ring)} | {r.Devices:N0} | {r.Updated:N0} | {r.Failed:N0} | {r.Share} |\n");
        }
        body.Append("\nDevices that have not updated yet will install the release when they next check in. Tell us how it went: give feedback on the release's changes.");
        var content = Content(release, $"{release.Title}: rollout summary", MessageCategory.StayInformed, MessageSeverity.Normal, body.ToString(),
            await ServicesAsync(release, rollout.TenantId, ct)) with
        { StartDateTime = now };
        return (await publisher.PostForReleaseAsync(release.Id, content, [rollout.TenantId], now, ct)).Id;
    }

    /// <summary>The release managers' summary of a completed release: every tenant and ring.</summary>
    static readonly string[] SummaryColumns = ["Tenant", "Ring", "Devices", "Updated", "Failed installs", "Share updated"];

    public async Task ReleaseCompletedAsync(Release release, IReadOnlyList<(string Tenant, IReadOnlyList<RingOutcome> Rings)> tenants, DateTimeOffset now, CancellationToken ct)
    {
        var table = new List<string[]> { SummaryColumns };
        table.AddRange(tenants.SelectMany(t => t.Rings.Select(r => new[] { t.Tenant, r.Ring, r.Devices.ToString("N0", CultureInfo.InvariantCulture),
            r.Updated.ToString("N0", CultureInfo.InvariantCulture), r.Failed.ToString("N0", CultureInfo.InvariantCulture), r.Share })));
        await StaffEmailAsync(WebhookEvents.ReleaseCompleted, release.Id.ToString(),
            EmailTemplates.StaffAlert($"[ChangeDesk] Release completed: {release.Title}", $"{release.Title} completed",
                $"The rollout completed in {tenants.Count} tenant(s).", [("Release", release.Title), ("Started", When(release.StartedAt)), ("Completed", When(now))],
                table, LinkTo(release), "Open the rollout"), now, ct);
        await notifier.WebhookAsync(WebhookEvents.ReleaseCompleted, null, null, release.Id.ToString(),
            new { releaseId = release.Id, release = release.Title, completedAt = now }, now, ct);
    }

    async Task<string> NameAsync(Guid tenant, CancellationToken ct) =>
        await db.Tenants.IgnoreQueryFilters().Where(t => t.Id == tenant).Select(t => t.Name).FirstAsync(ct);

    /// <summary>Emails every active release manager.</summary>
    async Task StaffEmailAsync(string eventType, string dedup, EmailTemplates.Email email, DateTimeOffset now, CancellationToken ct)
    {
        var managers = await db.Users.IgnoreQueryFilters().AsNoTracking()
            .Where(u => u.TenantId == null && u.Role == Role.ReleaseManager && !u.IsDisabled).Select(u => new { u.Email, u.DisplayName }).ToListAsync(ct);
        foreach (var m in managers)
        {
            notifier.Email(eventType, m.Email, m.DisplayName, null, null, null, email, dedup, now);
        }
    }
}
