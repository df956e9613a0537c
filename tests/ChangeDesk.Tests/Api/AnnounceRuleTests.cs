using System.Globalization;
using System.Text.Json;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>The notice period and the emergency rule (mitigation before notification), enforced when announcing.</summary>
public sealed class AnnounceRuleTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    async Task<(TestUser Rm, ChangeView Change)> DraftAsync(Func<ChangeInput, ChangeInput> shape)
    {
        var tenant = await app.CreateTenantAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = shape(ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id));
        return (rm, await rm.CreateChangeAsync(input));
    }

    static ChangeInput NeedsAdminAction(ChangeInput input, DateTimeOffset start) =>
        input with { AdminActionRequired = true, AdminAction = "Review the new setting", PlannedStart = start, PlannedEnd = null };

    [Fact]
    public async Task AnnounceAMinuteInsideTheNoticePeriodIsRefusedNamingTheEarliestAllowedStart()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => NeedsAdminAction(i, now.AddDays(5).AddMinutes(-1)));

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/announce"), 422, "notice-period");

        Assert.Equal(now.AddDays(5), problem.GetProperty("earliestAllowedStart").GetDateTimeOffset());
        Assert.Equal(5, problem.GetProperty("noticeDays").GetInt32());
        Assert.Contains(now.AddDays(5).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), problem.GetProperty("errors").GetProperty("plannedStart")[0].GetString());
        Assert.Equal(ChangeState.Draft, (await rm.GetChangeAsync(change.Id)).State);
    }

    [Fact]
    public async Task AnnounceExactlyAtTheNoticeBoundaryIsAccepted()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => NeedsAdminAction(i, now.AddDays(5)));

        var announced = await rm.ActAsync(change.Id, "announce");

        Assert.Equal((ChangeState.Announced, (DateTimeOffset?)now), (announced.State, announced.AnnouncedAt));
    }

    [Fact]
    public async Task AChangeWithoutAdminActionNeedsNoNotice()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => i with { PlannedStart = now.AddHours(1), PlannedEnd = null });

        Assert.Equal(ChangeState.Announced, (await rm.ActAsync(change.Id, "announce")).State);
    }

    [Fact]
    public async Task MovingAnAnnouncedChangeInsideTheNoticePeriodIsRefused()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => NeedsAdminAction(i, now.AddDays(10)));
        await rm.ActAsync(change.Id, "announce");
        var input = NeedsAdminAction(ApiSteps.ProviderFeature(now.AddDays(2), change.TargetTenantIds.ToArray()), now.AddDays(2));

        var problem = await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input), 422, "notice-period");

        Assert.Equal(now.AddDays(5), problem.GetProperty("earliestAllowedStart").GetDateTimeOffset());
        Assert.Equal(now.AddDays(10), (await rm.GetChangeAsync(change.Id)).PlannedStart);
    }

    [Fact]
    public async Task RequiringAdminActionOnAnAnnouncedChangeInsideTheNoticePeriodIsRefused()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => i with { PlannedStart = now.AddDays(2), PlannedEnd = null });
        await rm.ActAsync(change.Id, "announce");
        var input = NeedsAdminAction(ApiSteps.ProviderFeature(now.AddDays(2), change.TargetTenantIds.ToArray()), now.AddDays(2));

        var problem = await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input), 422, "notice-period");

        Assert.Equal(now.AddDays(5), problem.GetProperty("earliestAllowedStart").GetDateTimeOffset());
        Assert.False((await rm.GetChangeAsync(change.Id)).AdminActionRequired);
    }

    [Fact]
    public async Task AnAnnouncedEmergencyChangeCannotDropTheEmergencyFlagInsideTheNoticePeriod()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => NeedsAdminAction(i, now.AddHours(2)) with { IsEmergency = true });
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description = "Blocked at the gateway" }), 200);
        await rm.ActAsync(change.Id, "announce");
        var input = NeedsAdminAction(ApiSteps.ProviderFeature(now.AddHours(2), change.TargetTenantIds.ToArray()), now.AddHours(2));

        await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input), 422, "notice-period");

        Assert.True((await rm.GetChangeAsync(change.Id)).IsEmergency);
    }

    [Fact]
    public async Task EditingAnAnnouncedChangeWithoutMovingItNeedsNoNewNotice()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => NeedsAdminAction(i, now.AddDays(5)));
        await rm.ActAsync(change.Id, "announce");
        app.Clock.Advance(TimeSpan.FromDays(3));
        var input = NeedsAdminAction(ApiSteps.ProviderFeature(now.AddDays(5), change.TargetTenantIds.ToArray()), now.AddDays(5)) with { Title = "Clarified" };

        var edited = await (await rm.PutJsonAsync($"/api/changes/{change.Id}", input)).ReadAsync<ChangeView>();

        Assert.Equal(("Clarified", now.AddDays(5)), (edited.Title, edited.PlannedStart));
    }

    [Fact]
    public async Task AnEmergencyChangeSkipsTheNoticeButCannotBeAnnouncedBeforeAMitigationIsApplied()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => NeedsAdminAction(i, now.AddHours(2)) with { IsEmergency = true, Severity = "critical" });

        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/announce"), 422, "mitigation-first");
        Assert.Contains($"/api/changes/{change.Id}/mitigations", refused.GetProperty("detail").GetString());

        var future = await Expect.ProblemAsync(
            await rm.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description = "Blocked the update", appliedAt = now.AddMinutes(5) }),
            400, "validation");
        Assert.Equal(["appliedAt"], future.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Empty((await rm.GetChangeAsync(change.Id)).Mitigations);
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/announce"), 422, "mitigation-first");

        var mitigated = await (await rm.PostJsonAsync($"/api/changes/{change.Id}/mitigations",
            new { description = "Blocked the update at the gateway", appliedAt = now.AddMinutes(-30) })).ReadAsync<ChangeView>();
        var mitigation = Assert.Single(mitigated.Mitigations);
        Assert.Equal(("Blocked the update at the gateway", now.AddMinutes(-30), now), (mitigation.Description, mitigation.AppliedAt, mitigation.RecordedAt));

        var announced = await rm.ActAsync(change.Id, "announce");
        Assert.Equal(ChangeState.Announced, announced.State);
        Assert.Contains("Apply a mitigation before notifying", announced.Checklist.Select(t => t.Text));
        Assert.DoesNotContain(announced.Checklist, t => t.Text.StartsWith("Notify customers", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMitigationWithoutAppliedAtCountsAsAppliedNow()
    {
        var now = app.Clock.GetUtcNow();
        var (rm, change) = await DraftAsync(i => i with { IsEmergency = true, PlannedStart = now.AddHours(1), PlannedEnd = null });

        var mitigated = await (await rm.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description = "Paused the ring" })).ReadAsync<ChangeView>();

        Assert.Equal(now, Assert.Single(mitigated.Mitigations).AppliedAt);
        Assert.Equal(ChangeState.Announced, (await rm.ActAsync(change.Id, "announce")).State);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task AMitigationMustBeDescribed(string? description)
    {
        var (rm, change) = await DraftAsync(i => i with { IsEmergency = true });

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description }), 400, "validation");

        Assert.Equal(JsonValueKind.Array, problem.GetProperty("errors").GetProperty("description").ValueKind);
    }
}

/// <summary>Changes a change type's notice period, which every other announce test relies on: its own class, so its own database.</summary>
public sealed class NoticePeriodSettingTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task ANoticePeriodSetByAProviderAdminIsTheOneAnnounceEnforces()
    {
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.CreateTenantAsync();
        var now = app.Clock.GetUtcNow();
        ChangeInput Input(DateTimeOffset start) => ApiSteps.ProviderFeature(start, tenant.Id) with
        {
            AdminActionRequired = true,
            AdminAction = "Move the setting",
            PlannedEnd = null,
        };
        var shortOfTen = await rm.CreateChangeAsync(Input(now.AddDays(10).AddMinutes(-1)));
        var atTen = await rm.CreateChangeAsync(Input(now.AddDays(10)));

        var set = await (await pa.SendAsync(HttpMethod.Patch, "/api/change-types/functionality", new { noticeDays = 10 })).ReadAsync<ChangeTypeView>();
        Assert.Equal(10, set.NoticeDays);
        Assert.Equal(10, (await rm.GetJsonAsync<List<ChangeTypeView>>("/api/change-types")).Single(t => t.Key == "functionality").NoticeDays);

        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{shortOfTen.Id}/announce"), 422, "notice-period");
        Assert.Equal(now.AddDays(10), refused.GetProperty("earliestAllowedStart").GetDateTimeOffset());
        Assert.Equal(10, refused.GetProperty("noticeDays").GetInt32());
        var announced = await rm.ActAsync(atTen.Id, "announce");
        Assert.Contains("Notify customers 10 days in advance: this change requires administrator action", announced.Checklist.Select(t => t.Text));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(91)]
    [InlineData(null)]
    public async Task ANoticePeriodOutsideZeroToNinetyDaysIsRefused(int? days)
    {
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        var problem = await Expect.ProblemAsync(await pa.SendAsync(HttpMethod.Patch, "/api/change-types/security", new { noticeDays = days }), 400, "validation");

        Assert.True(problem.GetProperty("errors").TryGetProperty("noticeDays", out _));
        Assert.Equal(5, (await pa.GetJsonAsync<List<ChangeTypeView>>("/api/change-types")).Single(t => t.Key == "security").NoticeDays);
    }

    [Fact]
    public async Task AnUnknownChangeTypeIsNotFound()
    {
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        await Expect.ProblemAsync(await pa.SendAsync(HttpMethod.Patch, "/api/change-types/hotfix", new { noticeDays = 3 }), 404, "not-found");
    }
}
