using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes;

public sealed record ChangeTypeView(
    string Key, string Name, IReadOnlyList<ChangeSubtype> Subtypes, int NoticeDays, string AdvanceNotice, IReadOnlyList<string> Channels,
    Frequency AdminActionRequired, string TypeOfAction, Frequency TestingRequired, string TestingGuidance, string Examples);

public sealed record ChangeTypeUpdate(int? NoticeDays);

public static class ChangeTypesApi
{
    public static IEndpointRouteBuilder MapChangeTypes(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/change-types").WithTags("Change types").RequireAuthorization();
        group.MapGet("/", List).WithName("ListChangeTypes").WithSummary("The change types with their notice, channels, admin action and testing defaults.");
        group.MapPatch("/{key}", Update).WithName("UpdateChangeType").RequireAuthorization(Policies.ProviderAdmin)
            .WithSummary("Set the notice period (days) of a change type.");
        return app;
    }

    public static async Task<IReadOnlyList<ChangeTypeView>> ListAsync(ChangeDeskDb db, CancellationToken ct)
    {
        var types = await db.ChangeTypes.AsNoTracking().ToListAsync(ct);
        return types.OrderBy(t => ChangeTypeCatalog.Keys.ToList().IndexOf(t.Key))
            .Select(t => new ChangeTypeView(t.Key, t.Name, t.Subtypes, t.NoticeDays, t.AdvanceNotice, t.Channels, t.AdminActionRequired,
                t.TypeOfAction, t.TestingRequired, t.TestingGuidance, t.Examples))
            .ToList();
    }

    static async Task<Ok<IReadOnlyList<ChangeTypeView>>> List(ChangeDeskDb db, CancellationToken ct) => TypedResults.Ok(await ListAsync(db, ct));

    public static async Task<ChangeTypeView> SetNoticeDaysAsync(ChangeDeskDb db, string key, int? noticeDays, CancellationToken ct)
    {
        if (noticeDays is not { } days || days is < 0 or > 90)
        {
            throw ValidationFailedException.For("noticeDays", "The notice period must be a whole number of days from 0 to 90.");
        }
        await db.WriteAsync("Set notice period", async () =>
        {
            var type = await db.ChangeTypes.FirstOrDefaultAsync(t => t.Key == key, ct) ?? throw new NotFoundException("Change type", key);
            type.NoticeDays = days;
        }, ct);
        return (await ListAsync(db, ct)).First(t => t.Key == key);
    }

    static async Task<Ok<ChangeTypeView>> Update(string key, ChangeTypeUpdate input, ChangeDeskDb db, CancellationToken ct) =>
        TypedResults.Ok(await SetNoticeDaysAsync(db, key, input.NoticeDays, ct));
}
