namespace ChangeDesk.Bench;

/// <summary>
/// The baseline of scenarios 3 and 4: bare Kestrel answering the Graph list path with a fixed JSON body (a real
/// answer of the service, captured in the same run) and /healthz, with nothing else in the pipeline.
/// </summary>
public static class BaselineServer
{
    public static async Task RunAsync(string bodyFile, string[] args)
    {
        var body = await File.ReadAllBytesAsync(bodyFile);
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("Healthy"));
        app.MapGet("/graph/v1.0/admin/serviceAnnouncement/messages", () => Results.Bytes(body, "application/json; odata.metadata=minimal; charset=utf-8"));
        await app.RunAsync();
    }
}
