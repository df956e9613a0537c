using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Notifications.Preferences;

public sealed record PreferenceInput(
    [property: MaxLength(InputBounds.Key)] string? Mode,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Key)] List<string>? Categories,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(InputBounds.Key)] List<string>? Severities,
    [property: MaxLength(InputBounds.ListItems), ItemMaxLength(100)] List<string>? Services,
    bool MajorChangesOnly, bool AllUpdates,
    [property: MaxLength(InputBounds.Address)] string? Email = null)
{
    /// <summary>Checks the input and sets the preference's mode and filters from it; the same rules for a user and an extra address.</summary>
    public void ApplyTo(NotificationPreference pref)
    {
        var errors = new Dictionary<string, string[]>();
        var mode = DeliveryMode.Immediately;
        if (!string.IsNullOrWhiteSpace(Mode) && !EnumNames.TryParse(Mode, out mode))
        {
            errors["mode"] = [$"Mode must be one of {EnumNames.List<DeliveryMode>()}."];
        }
        var categories = (Categories ?? []).Distinct().ToList();
        if (categories.Except(MessageCategory.All).Any())
        {
            errors["categories"] = [$"Categories must be among {string.Join(", ", MessageCategory.All)}."];
        }
        var severities = (Severities ?? []).Distinct().ToList();
        string[] allowedSeverities = [MessageSeverity.Normal, MessageSeverity.High, MessageSeverity.Critical];
        if (severities.Except(allowedSeverities).Any())
        {
            errors["severities"] = [$"Severities must be among {string.Join(", ", allowedSeverities)}."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        pref.Mode = mode;
        pref.Categories = categories;
        pref.Severities = severities;
        pref.Services = (Services ?? []).Select(s => s.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        pref.MajorChangesOnly = MajorChangesOnly;
        pref.AllUpdates = AllUpdates;
    }
}

public sealed record PreferenceView(
    Guid? Id, string? Email, DeliveryMode Mode, IReadOnlyList<string> Categories, IReadOnlyList<string> Severities, IReadOnlyList<string> Services,
    bool MajorChangesOnly, bool AllUpdates, DateTimeOffset? LastDigestAt)
{
    public static PreferenceView Of(NotificationPreference p) =>
        new(p.Id, p.Email, p.Mode, p.Categories, p.Severities, p.Services, p.MajorChangesOnly, p.AllUpdates, p.LastDigestAt);
}

/// <summary>The signed-in user's own email preferences.</summary>
public sealed class MyPreferences(ChangeDeskDb db, CurrentUser user)
{
    Guid Me => user.Id ?? throw new ForbiddenException("Preferences belong to a signed-in user.");

    public async Task<PreferenceView> GetAsync(CancellationToken ct)
    {
        var me = Me;
        var pref = await db.NotificationPreferences.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == me, ct) ?? NotificationPreference.Default(me, user.TenantId);
        return PreferenceView.Of(pref);
    }

    public Task<PreferenceView> SetAsync(PreferenceInput input, CancellationToken ct)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        var me = Me;
        // One preference row per user is a unique key: of two first saves made at once, the later one's insert fails,
        // and the write runner runs it again, when it finds and updates the row the other inserted.
        return db.WriteAsync("Set email preferences", async () =>
        {
            var pref = await db.NotificationPreferences.FirstOrDefaultAsync(p => p.UserId == me, ct);
            if (pref is null)
            {
                pref = NotificationPreference.Default(me, user.TenantId);
                db.NotificationPreferences.Add(pref);
            }
            input.ApplyTo(pref);
            return PreferenceView.Of(pref);
        }, ct);
    }
}
