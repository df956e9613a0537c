namespace ChangeDesk.Signals;

public static class SignalsApi
{
    public static IEndpointRouteBuilder MapSignals(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/signals", async (SignalBatchInput input, SignalIngestor ingestor, CancellationToken ct) => TypedResults.Ok(await ingestor.IngestAsync(input, ct)))
            .WithTags("Signals").RequireAuthorization().WithName("IngestSignals")
            .WithSummary("Report data signals in batches of up to 1,000 events (install successes and failures, crashes, hangs, boot failures, device counts) "
                + "per release, tenant and ring. Events with an eventId already counted are skipped; a bad item refuses the batch with a problem naming items[i].field.");
        return app;
    }
}
