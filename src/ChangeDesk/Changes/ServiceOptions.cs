namespace ChangeDesk.Changes;

public sealed class ServiceOptions
{
    public const string Section = "Service";

    /// <summary>IANA or Windows id of the time zone in which notice periods are counted in calendar days.</summary>
    public string TimeZone { get; set; } = "UTC";

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}
