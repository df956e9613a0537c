namespace ChangeDesk.Changes;

public sealed class ServiceOptions
{
    public const string Section = "Service";

    /// <summary>IANA or Windows id of the time zone in which notice periods are counted in calendar days.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The address users reach the web UI at; used in links that leave the service (messages, emails).</summary>
    public string PublicUrl { get; set; } = "http://127.0.0.1:5080";

    public string LinkTo(string path) => PublicUrl.TrimEnd('/') + path;

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}
