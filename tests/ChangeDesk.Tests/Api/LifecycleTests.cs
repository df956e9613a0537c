using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

public sealed class LifecycleTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset InAMonth => app.Clock.GetUtcNow().AddDays(30);

    static readonly string[] ProviderBefore = ["Set expectations for the change"];
    static readonly string[] TenantBefore =
    [
        "Understand what to expect from this change and its communications",
        "Read the Message Center post for this change",
        "Review and update internal change management processes",
        "Check compliance with the service's requirements",
        "Communicate the new functionality to your users",
    ];
    static readonly string[] ProviderDuring = ["Release and deploy the change", "Monitor data signals and support queues for impact"];
    static readonly string[] TenantDuring =
    [
        "Check the Message Center and review any additional information",
        "Test applications: Check business applications including remote access services",
        "Integrate your custom software with the change",
        "If a break/fix scenario is experienced, create a support request",
    ];
    static readonly string[] ProviderAfter = ["Collect customer feedback to improve future rollouts", "Monitor data signals and support queues for impact"];
    static readonly string[] TenantAfter =
    [
        "Work with people in your organization to adopt the change",
        "Review change and adoption management processes for efficiencies",
        "Provide general and specific feedback on the change",
        "Train users to give app-specific feedback (Feedback Hub, Office Smile button)",
    ];

    static string[] Texts(ChangeView change, Phase phase, Guid? tenantId) =>
        change.Checklist.Where(t => t.Phase == phase && t.TenantId == tenantId).Select(t => t.Text).ToArray();

    [Fact]
    public async Task AProviderChangeRunsFromDraftToReviewedWithEachPhasesChecklistForEveryParty()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var draft = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id, b.Id));
        Assert.Equal(ChangeState.Draft, draft.State);
        Assert.Empty(draft.Checklist);
        Assert.Null(draft.AnnouncedAt);

        var announced = await rm.ActAsync(draft.Id, "announce");
        Assert.Equal(ChangeState.Announced, announced.State);
        Assert.Equal(app.Clock.GetUtcNow(), announced.AnnouncedAt);
        Assert.All(announced.Checklist, t => Assert.Equal(Phase.Before, t.Phase));
        Assert.Equal(ProviderBefore, Texts(announced, Phase.Before, null));
        Assert.Equal(TenantBefore, Texts(announced, Phase.Before, a.Id));
        Assert.Equal(TenantBefore, Texts(announced, Phase.Before, b.Id));
        Assert.All(announced.Checklist, t => Assert.Equal(t.TenantId is null ? Party.Provider : Party.Customer, t.Party));

        var started = await rm.ActAsync(draft.Id, "start");
        Assert.Equal(ChangeState.InProgress, started.State);
        Assert.Equal(ProviderDuring, Texts(started, Phase.During, null));
        Assert.Equal(TenantDuring, Texts(started, Phase.During, a.Id));
        Assert.Equal(TenantDuring, Texts(started, Phase.During, b.Id));
        Assert.DoesNotContain(started.Checklist, t => t.Phase == Phase.After);

        var paused = await rm.ActAsync(draft.Id, "pause");
        Assert.Equal(ChangeState.Paused, paused.State);
        var resumed = await rm.ActAsync(draft.Id, "resume");
        Assert.Equal(ChangeState.InProgress, resumed.State);
        Assert.Equal(started.Checklist.Select(t => t.Id), resumed.Checklist.Select(t => t.Id));

        var completed = await rm.ActAsync(draft.Id, "complete");
        Assert.Equal(ChangeState.Completed, completed.State);
        Assert.Equal(ProviderAfter, Texts(completed, Phase.After, null));
        Assert.Equal(TenantAfter, Texts(completed, Phase.After, a.Id));
        Assert.Equal(TenantAfter, Texts(completed, Phase.After, b.Id));

        var reviewed = await rm.ActAsync(draft.Id, "review");
        Assert.Equal(ChangeState.Reviewed, reviewed.State);
        Assert.Empty(reviewed.AllowedActions);
        Assert.False(reviewed.CanEdit);
        Assert.Equal(completed.Checklist.Count, reviewed.Checklist.Count);
        Assert.Equal(draft.Version + 6, reviewed.Version);

        var seenByA = await adminA.GetChangeAsync(draft.Id);
        Assert.Equal(ChangeState.Reviewed, seenByA.State);
        Assert.Equal(reviewed.Checklist.Where(t => t.TenantId != b.Id).Select(t => t.Id).Order(), seenByA.Checklist.Select(t => t.Id).Order());
        Assert.All(seenByA.Checklist, t => Assert.Equal(t.TenantId == a.Id, t.CanComplete));
    }

    [Fact]
    public async Task ATenantsOwnChangeGivesItsChecklistToTheTenantAsImplementer()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var draft = await adminA.CreateChangeAsync(ApiSteps.TenantChange(InAMonth));

        var started = await adminA.ActAsync(draft.Id, "announce", "start");

        Assert.Equal(Party.Customer, started.OwnerParty);
        Assert.Equal(a.Id, started.OwnerTenantId);
        Assert.Equal(["Set expectations for the change"], Texts(started, Phase.Before, a.Id));
        Assert.Equal(ProviderDuring, Texts(started, Phase.During, a.Id));
        Assert.All(started.Checklist, t => Assert.Equal((Party.Customer, (Guid?)a.Id, true), (t.Party, t.TenantId, t.CanComplete)));
        var task = started.Checklist[0];
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{draft.Id}/checklist/{task.Id}/complete"), 403, "forbidden");
        var done = await (await adminA.PostJsonAsync($"/api/changes/{draft.Id}/checklist/{task.Id}/complete")).ReadAsync<ChangeView>();
        Assert.Equal((adminA.Email, (DateTimeOffset?)app.Clock.GetUtcNow()), (done.Checklist[0].CompletedBy, done.Checklist[0].CompletedAt));
    }

    [Fact]
    public async Task AdminActionConsentAndEmergencyAddTheirChecklistItems()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(InAMonth, a.Id) with
        {
            AdminActionRequired = true,
            AdminAction = "Turn on the new sign-in policy",
            Consent = "approve",
            ActionRequiredBy = InAMonth.AddDays(-1),
        };
        var change = await rm.CreateChangeAsync(input);
        await rm.ActAsync(change.Id, "announce");
        // The change waits for the tenant's approval before it may start.
        await Expect.StatusAsync(await adminA.PostJsonAsync($"/api/changes/{change.Id}/approvals", new { decision = "approve" }), 200);

        var started = await rm.ActAsync(change.Id, "start");

        Assert.Equal(["Set expectations for the change", "Notify customers 5 days in advance: this change requires administrator action"],
            Texts(started, Phase.Before, null));
        Assert.Contains("Approve the change", Texts(started, Phase.Before, a.Id));
        Assert.Contains("Take the required action: Turn on the new sign-in policy", Texts(started, Phase.During, a.Id));
    }

    [Theory]
    [InlineData("start", new string[0], "draft", new[] { "announce", "cancel" })]
    [InlineData("complete", new[] { "announce" }, "announced", new[] { "start", "cancel" })]
    [InlineData("resume", new[] { "announce", "start" }, "in-progress", new[] { "pause", "complete", "rollback" })]
    [InlineData("pause", new[] { "announce", "start", "complete" }, "completed", new[] { "review", "rollback" })]
    [InlineData("rollback", new[] { "announce", "start", "complete", "review" }, "reviewed", new string[0])]
    [InlineData("announce", new[] { "cancel" }, "cancelled", new string[0])]
    [InlineData("cancel", new[] { "announce", "start", "rollback" }, "rolled-back", new[] { "review" })]
    public async Task AnIllegalTransitionIsRefusedNamingTheCurrentStateAndTheAllowedActions(string action, string[] path, string state, string[] allowed)
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id));
        var before = await rm.ActAsync(change.Id, path);

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/{action}"), 409, "invalid-transition");

        Assert.Equal(state, problem.GetProperty("currentState").GetString());
        Assert.Equal(allowed, problem.GetProperty("allowedActions").EnumerateArray().Select(e => e.GetString()!));
        Assert.Contains($"CHG-{change.Id} is {state}", problem.GetProperty("detail").GetString());
        var after = await rm.GetChangeAsync(change.Id);
        Assert.Equal((before.State, before.Version), (after.State, after.Version));
    }

    [Fact]
    public async Task ACancelledChangeCanNoLongerBeEditedNorMitigated()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(InAMonth, a.Id);
        var change = await rm.CreateChangeAsync(input);
        var cancelled = await rm.ActAsync(change.Id, "cancel");
        Assert.False(cancelled.CanEdit);

        var edit = await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = "Too late" }), 409, "not-editable");
        var mitigate = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description = "Too late" }), 409, "not-editable");

        Assert.Contains("cancelled", edit.GetProperty("detail").GetString());
        Assert.Contains("cancelled", mitigate.GetProperty("detail").GetString());
        var after = await rm.GetChangeAsync(change.Id);
        Assert.Equal((input.Title, cancelled.Version, 0), (after.Title, after.Version, after.Mitigations.Count));
    }

    [Fact]
    public async Task ATenantAddedToARunningChangeGetsTheChecklistOfThePhasesAlreadyReached()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(InAMonth, a.Id);
        var change = await rm.CreateChangeAsync(input);
        var started = await rm.ActAsync(change.Id, "announce", "start");

        var edited = await (await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { TargetTenantIds = [a.Id, b.Id] })).ReadAsync<ChangeView>();

        Assert.Equal(TenantBefore, Texts(edited, Phase.Before, b.Id));
        Assert.Equal(TenantDuring, Texts(edited, Phase.During, b.Id));
        Assert.Equal(started.Checklist.Select(t => t.Id).Order(), edited.Checklist.Where(t => t.TenantId != b.Id).Select(t => t.Id).Order());
        Assert.All((await adminB.GetChangeAsync(change.Id)).Checklist.Where(t => t.Party == Party.Customer), t => Assert.True(t.CanComplete));
        var completed = await rm.ActAsync(change.Id, "complete");
        Assert.Equal(TenantAfter, Texts(completed, Phase.After, b.Id));
    }

    [Fact]
    public async Task ATenantRemovedFromAChangeNoLongerOwesItsOpenTasks()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(InAMonth, a.Id, b.Id);
        var change = await rm.CreateChangeAsync(input);
        var announced = await rm.ActAsync(change.Id, "announce");
        var done = announced.Checklist.First(t => t.TenantId == b.Id);
        await Expect.StatusAsync(await adminB.PostJsonAsync($"/api/changes/{change.Id}/checklist/{done.Id}/complete"), 200);

        var edited = await (await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { TargetTenantIds = [a.Id] })).ReadAsync<ChangeView>();

        Assert.Equal([done.Id], edited.Checklist.Where(t => t.TenantId == b.Id).Select(t => t.Id));
        Assert.Equal(TenantBefore, Texts(edited, Phase.Before, a.Id));
        await Expect.ProblemAsync(await adminB.Client.GetAsync($"/api/changes/{change.Id}", TestContext.Current.CancellationToken), 404, "not-found");
    }

    [Fact]
    public async Task AnAnnouncedOrRunningChangeCanStillBeEdited()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var input = ApiSteps.ProviderFeature(InAMonth, a.Id);
        var change = await rm.CreateChangeAsync(input);
        await rm.ActAsync(change.Id, "announce", "start");

        var edited = await (await rm.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = "Rollout details updated", Severity = "high" })).ReadAsync<ChangeView>();

        Assert.Equal(("Rollout details updated", Severity.High, ChangeState.InProgress), (edited.Title, edited.Severity, edited.State));
    }
}
