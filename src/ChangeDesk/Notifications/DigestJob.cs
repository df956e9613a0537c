using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Notifications;

public sealed class DigestOptions
{
    public const string Section = "Digests";
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Sends daily and weekly digests at each tenant's digest time, in the tenant's time zone. A recipient's
/// "last digest" mark is moved with a conditional update in the same transaction that queues the email, so
/// with several instances each digest is queued once.
/// </summary>
public sealed class DigestJob(IServiceScopeFactory scopes, DigestOptions options, TimeProvider clock, ILogger<DigestJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await PeriodicJob.RunAsync(RunOnceAsync, ct => Task.Delay(options.PollInterval, clock, ct), logger, "Digest", stoppingToken);
    }

    /// <summary>The latest digest time at or before now, for a daily or a weekly digest, as an instant.</summary>
    public static DateTimeOffset LatestSlot(DateTimeOffset now, TimeZoneInfo zone, TimeOnly at, DayOfWeek? weekly)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var day = local.Date;
        for (var i = 0; i < 8; i++, day = day.AddDays(-1))
        {
            var candidate = day + at.ToTimeSpan();
            if (candidate > local || (weekly is { } d && day.DayOfWeek != d))
            {
                continue;
            }
            var offset = zone.IsInvalidTime(candidate) ? zone.BaseUtcOffset : zone.GetUtcOffset(candidate);
            return new DateTimeOffset(candidate, offset).ToUniversalTime();
        }
        throw new InvalidOperationException("No digest slot in the last week.");
    }

    public async Task RunOnceAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        List<(NotificationPreference Pref, TenantNotificationSettings Settings)> candidates;
        using (var scope = scopes.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("digests");
            var db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
            var prefs = await db.NotificationPreferences.AsNoTracking()
                .Where(p => p.TenantId != null && (p.Mode == DeliveryMode.DailyDigest || p.Mode == DeliveryMode.WeeklyDigest))
                .Where(p => p.UserId != null || p.ConfirmedAt != null).ToListAsync(ct);
            var tenantIds = prefs.Select(p => p.TenantId!.Value).Distinct().ToList();
            var settings = await db.TenantNotificationSettings.AsNoTracking().Where(s => tenantIds.Contains(s.TenantId)).ToDictionaryAsync(s => s.TenantId, ct);
            candidates = prefs.Select(p => (p, settings.GetValueOrDefault(p.TenantId!.Value) ?? new TenantNotificationSettings { TenantId = p.TenantId!.Value })).ToList();
        }
        foreach (var (pref, settings) in candidates)
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
            var weekly = pref.Mode == DeliveryMode.WeeklyDigest;
            var slot = LatestSlot(now, zone, settings.DigestTime, weekly ? settings.WeeklyDigestDay : null);
            if (pref.LastDigestAt >= slot)
            {
                continue;
            }
            using var scope = scopes.CreateScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("digests");
            await SendAsync(scope.ServiceProvider, pref, slot, weekly ? TimeSpan.FromDays(7) : TimeSpan.FromDays(1), weekly ? "Weekly" : "Daily", now, ct);
        }
    }

    static async Task SendAsync(IServiceProvider services, NotificationPreference pref, DateTimeOffset slot, TimeSpan period, string name, DateTimeOffset now, CancellationToken ct)
    {
        var db = services.GetRequiredService<ChangeDeskDb>();
        var notifier = services.GetRequiredService<Notifier>();
        var service = services.GetRequiredService<ServiceOptions>();
        var from = pref.LastDigestAt ?? slot - period;
        await db.WriteAsync("Send digest", async () =>
        {
            var claimed = await db.NotificationPreferences.Where(p => p.Id == pref.Id && p.LastDigestAt == pref.LastDigestAt)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastDigestAt, slot), ct);
            if (claimed == 0)
            {
                return; // another instance took this digest
            }
            var tenant = pref.TenantId!.Value;
            var messages = await db.Messages.AsNoTracking()
                .Where(m => m.Tenants.Any(t => t.TenantId == tenant) && m.LastModifiedDateTime > from && m.LastModifiedDateTime <= slot)
                .OrderByDescending(m => m.LastModifiedDateTime).ToListAsync(ct);
            var items = messages
                .Select(m => (Message: m, Updated: m.CreatedDateTime <= from))
                .Where(x => pref.Wants(x.Message.Category, x.Message.Severity, x.Message.Services, x.Message.IsMajorChange, x.Updated,
                    x.Message.Category == MessageCategory.PlanForChange || x.Message.ActionRequiredByDateTime is not null || x.Message.Consent != "none"))
                .Select(x => (x.Message, x.Updated, service.LinkTo($"/message-center/{x.Message.Id}")))
                .ToList();
            if (items.Count > 0)
            {
                var address = pref.Email ?? await db.Users.IgnoreQueryFilters().Where(u => u.Id == pref.UserId).Select(u => u.Email).FirstAsync(ct);
                var tenantName = await db.Tenants.IgnoreQueryFilters().Where(t => t.Id == tenant).Select(t => t.Name).FirstAsync(ct);
                var email = EmailTemplates.Digest(tenantName, name, items, service.LinkTo("/account/notifications"));
                notifier.Email($"digest.{name.ToLowerInvariant()}", address, null, tenant, null, null, email, $"{pref.Id}:{slot.UtcTicks}", now);
            }
        }, ct);
    }
}
