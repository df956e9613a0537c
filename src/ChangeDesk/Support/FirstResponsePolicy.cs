namespace ChangeDesk.Support;

public sealed class SupportOptions
{
    public const string Section = "Support";

    /// <summary>How soon the provider must first respond, in hours, per severity.</summary>
    public FirstResponseHours FirstResponseHours { get; set; } = new();

    /// <summary>Days after which a resolved request the customer has not answered is closed; 0 keeps it open.</summary>
    public int AutoCloseDays { get; set; } = 7;

    /// <summary>The largest file that may be attached to a request.</summary>
    public long MaxAttachmentBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>How many files one request may hold.</summary>
    public int MaxAttachmentsPerRequest { get; set; } = 20;

    /// <summary>How often the auto-close job looks for resolved requests to close.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Refuses a configuration that could not compute a due time, at start rather than when someone files.</summary>
    public SupportOptions Validated()
    {
        foreach (var severity in Enum.GetValues<SupportSeverity>())
        {
            var hours = FirstResponseHours.For(severity);
            if (!(hours > 0 && hours <= 24 * 365))
            {
                throw new InvalidOperationException($"{Section}:FirstResponseHours:{severity} must be a number of hours above 0 and at most 8760, not {hours}.");
            }
        }
        // The web server refuses request bodies over about 28 MB before they reach the application.
        if (MaxAttachmentBytes is < 1 or > 25 * 1024 * 1024)
        {
            throw new InvalidOperationException($"{Section}:MaxAttachmentBytes must be between 1 and 26214400 (25 MB), not {MaxAttachmentBytes}.");
        }
        if (MaxAttachmentsPerRequest < 0)
        {
            throw new InvalidOperationException($"{Section}:MaxAttachmentsPerRequest must be 0 (no attachments) or more, not {MaxAttachmentsPerRequest}.");
        }
        if (AutoCloseDays < 0)
        {
            throw new InvalidOperationException($"{Section}:AutoCloseDays must be 0 (never) or more, not {AutoCloseDays}.");
        }
        return this;
    }
}

public sealed class FirstResponseHours
{
    public double A { get; set; } = 1;
    public double B { get; set; } = 4;
    public double C { get; set; } = 24;

    public double For(SupportSeverity severity) => severity switch
    {
        SupportSeverity.A => A,
        SupportSeverity.B => B,
        _ => C,
    };
}

/// <summary>
/// The first-response target: a request filed at <c>t</c> with severity <c>s</c> is due a first response by
/// <c>t + hours(s)</c>. The first response is the provider's first public comment or first move out of New; the
/// target is breached when it came after the due time, or has not come and the due time has passed. Hours are
/// wall-clock hours, every day of the week.
/// </summary>
public static class FirstResponsePolicy
{
    public static DateTimeOffset DueAt(DateTimeOffset filedAt, SupportSeverity severity, FirstResponseHours targets) =>
        filedAt.ToUniversalTime() + TimeSpan.FromHours(targets.For(severity));

    /// <summary>A response exactly at the due time meets the target.</summary>
    public static bool IsBreached(DateTimeOffset dueAt, DateTimeOffset? respondedAt, DateTimeOffset now) =>
        respondedAt is { } at ? at > dueAt : now > dueAt;
}
