using System.Globalization;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Notifications.Digests;

public sealed record TenantSettingsInput(
    [property: MaxLength(InputBounds.Key)] string? TimeZone, [property: MaxLength(InputBounds.Key)] string? DigestTime,
    [property: MaxLength(InputBounds.Key)] string? WeeklyDigestDay);

public sealed record TenantSettingsView(Guid TenantId, string TimeZone, string DigestTime, DayOfWeek WeeklyDigestDay);

/// <summary>When a tenant's digests go out, in its own time zone: read by its people, set by its admins.</summary>
public sealed class DigestSettings(ChangeDeskDb db, CurrentUser user)
{
    public async Task<TenantSettingsView> GetAsync(CancellationToken ct)
    {
        var tenant = user.TenantId ?? throw new ForbiddenException("Digest settings belong to a tenant.");
        var s = await db.TenantNotificationSettings.AsNoTracking().FirstOrDefaultAsync(x => x.TenantId == tenant, ct) ?? new TenantNotificationSettings { TenantId = tenant };
        return View(s);
    }

    public Task<TenantSettingsView> SetAsync(TenantSettingsInput input, CancellationToken ct)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        var tenant = user.Is(Role.TenantAdmin) && user.TenantId is { } t ? t : throw new ForbiddenException("Only a tenant admin manages the tenant's email settings.");
        var errors = new Dictionary<string, string[]>();
        var zone = string.IsNullOrWhiteSpace(input.TimeZone) ? "UTC" : input.TimeZone.Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            errors["timeZone"] = [$"Unknown time zone '{zone}': use an IANA name such as Europe/Berlin."];
        }
        if (!TimeOnly.TryParseExact(input.DigestTime ?? "08:00", "HH:mm", out var time))
        {
            errors["digestTime"] = ["Give the digest time as HH:mm, e.g. 08:00."];
        }
        var day = DayOfWeek.Monday;
        if (!string.IsNullOrWhiteSpace(input.WeeklyDigestDay) && !Enum.TryParse(input.WeeklyDigestDay, true, out day))
        {
            errors["weeklyDigestDay"] = ["Give a day of the week, e.g. monday."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        return db.WriteAsync("Set digest settings", async () =>
        {
            var settings = await db.TenantNotificationSettings.FirstOrDefaultAsync(x => x.TenantId == tenant, ct);
            if (settings is null)
            {
                settings = new TenantNotificationSettings { TenantId = tenant };
                db.TenantNotificationSettings.Add(settings);
            }
            settings.TimeZone = zone;
            settings.DigestTime = time;
            settings.WeeklyDigestDay = day;
            return View(settings);
        }, ct);
    }

    static TenantSettingsView View(TenantNotificationSettings s) => new(s.TenantId, s.TimeZone, s.DigestTime.ToString("HH:mm", CultureInfo.InvariantCulture), s.WeeklyDigestDay);
}
