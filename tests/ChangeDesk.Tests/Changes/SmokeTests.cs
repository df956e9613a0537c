using System.Net.Http.Json;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Changes;

public sealed class AnnounceNoticeTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task AnnounceIsRefusedOneMinuteInsideTheNoticePeriodAndAcceptedAtItsBoundary()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var now = app.Clock.GetUtcNow();
        async Task<ChangeView> Draft(DateTimeOffset start)
        {
            var r = await rm.PostJsonAsync("/api/changes", new
            {
                title = "Settings move",
                type = "functionality",
                subtype = "feature-update",
                scope = "managed-service",
                targetsAllTenants = true,
                adminActionRequired = true,
                adminAction = "Review the new setting",
                plannedStart = start,
            });
            await Expect.StatusAsync(r, 201);
            return (await r.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
        }
        var early = await Draft(now.AddDays(5).AddMinutes(-1));
        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{early.Id}/announce"), 422, "notice-period");
        Assert.Equal(now.AddDays(5), refused.GetProperty("earliestAllowedStart").GetDateTimeOffset());

        var exact = await Draft(now.AddDays(5));
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{exact.Id}/announce"), 200);
    }
}
