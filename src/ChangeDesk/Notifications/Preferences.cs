using ChangeDesk.Audit;
using ChangeDesk.Data;

namespace ChangeDesk.Notifications;

public enum DeliveryMode
{
    Immediately,
    DailyDigest,
    WeeklyDigest,
    Off,
}

/// <summary>
/// How one person wants Message Center email: when, and for which posts. No row means the defaults: every
/// post immediately, and updates of posts that require action.
/// </summary>
public sealed class NotificationPreference : IAudited
{
    public Guid Id { get; init; } = Ids.NewV7();

    /// <summary>The user, or null for an extra address of the tenant (a shared mailbox).</summary>
    public Guid? UserId { get; init; }

    public Guid? TenantId { get; init; }

    /// <summary>Set for an extra address; users are mailed at their account's email.</summary>
    public string? Email { get; set; }

    public DeliveryMode Mode { get; set; } = DeliveryMode.Immediately;
    public List<string> Categories { get; set; } = [];
    public List<string> Severities { get; set; } = [];
    public List<string> Services { get; set; } = [];
    public bool MajorChangesOnly { get; set; }

    /// <summary>Email every update of a post; otherwise only updates of posts that require action.</summary>
    public bool AllUpdates { get; set; }

    /// <summary>The end of the period the last digest covered.</summary>
    public DateTimeOffset? LastDigestAt { get; set; }

    /// <summary>
    /// When the owner of an extra address confirmed, through the link mailed to it, that it wants the tenant's email;
    /// until then it gets nothing but that link. Unused for users, who are mailed at their account's address.
    /// </summary>
    public DateTimeOffset? ConfirmedAt { get; private set; }

    public bool IsExtraAddress => UserId is null && Email is not null;

    /// <summary>An extra address receives the tenant's email once its owner has confirmed it.</summary>
    public bool Receives => UserId is not null || ConfirmedAt is not null;

    public void Confirm(DateTimeOffset now)
    {
        if (!IsExtraAddress)
        {
            throw new InvalidOperationException("Only an extra address is confirmed; a user is mailed at their account's address.");
        }
        ConfirmedAt ??= now;
    }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;

    public static NotificationPreference Default(Guid userId, Guid? tenantId) => new() { UserId = userId, TenantId = tenantId };

    /// <summary>Whether a post with these attributes is one this recipient wants.</summary>
    public bool Wants(string category, string severity, IReadOnlyCollection<string> services, bool isMajor, bool isUpdate, bool requiresAction)
    {
        if (Mode == DeliveryMode.Off)
        {
            return false;
        }
        if (isUpdate && !AllUpdates && !requiresAction)
        {
            return false;
        }
        return (Categories.Count == 0 || Categories.Contains(category))
            && (Severities.Count == 0 || Severities.Contains(severity))
            && (Services.Count == 0 || services.Any(s => Services.Contains(s, StringComparer.OrdinalIgnoreCase)))
            && (!MajorChangesOnly || isMajor);
    }
}

/// <summary>A tenant's notification settings: when its digests go out, in its own time zone.</summary>
public sealed class TenantNotificationSettings : IAudited
{
    public Guid TenantId { get; init; }
    public string TimeZone { get; set; } = "UTC";
    public TimeOnly DigestTime { get; set; } = new(8, 0);
    public DayOfWeek WeeklyDigestDay { get; set; } = DayOfWeek.Monday;

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}
