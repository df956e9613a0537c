using System.Net.Http.Json;
using ChangeDesk.Changes;
using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

public sealed class ReleaseApiTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset Now => app.Clock.GetUtcNow();

    [Fact]
    public async Task TheCalendarCreatesTheMonthsSecurityReleaseOnTheSecondTuesdayOnce()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var first = await (await rm.PostJsonAsync("/api/releases/calendar", new { year = 2041, month = 5 })).ReadAsync<CalendarResult>();
        var again = await (await rm.PostJsonAsync("/api/releases/calendar", new { year = 2041, month = 5 })).ReadAsync<CalendarResult>();

        var created = Assert.Single(first.Items); // the preview is off by default
        Assert.Equal("created", created.Outcome);
        Assert.Equal("2041-05-security", created.Key);
        Assert.Equal(new DateTimeOffset(2041, 5, 14, 10, 0, 0, TimeSpan.Zero), created.PlannedStart); // second Tuesday, 10:00 UTC
        var existing = Assert.Single(again.Items);
        Assert.Equal("existing", existing.Outcome);
        Assert.Equal(created.ReleaseId, existing.ReleaseId);
        var release = await rm.GetJsonAsync<ReleaseView>($"/api/releases/{created.ReleaseId}");
        Assert.Equal(ReleaseKind.Security, release.Kind);
        Assert.Equal(ReleaseState.Scheduled, release.State);
        Assert.Equal("2041-05 security release", release.Title);
        Assert.True(release.TargetsAllTenants);
        Assert.Single(await rm.GetJsonAsync<List<ReleaseSummary>>("/api/releases?year=2041&month=5"));
    }

    [Fact]
    public async Task ACalendarMonthInsideTheScheduleNoticeIsSkippedWithTheReason()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var past = Now.AddMonths(-2);

        var result = await (await rm.PostJsonAsync("/api/releases/calendar", new { year = past.Year, month = past.Month })).ReadAsync<CalendarResult>();

        var skipped = Assert.Single(result.Items);
        Assert.Equal("skipped", skipped.Outcome);
        Assert.Null(skipped.ReleaseId);
        Assert.Contains("7-day schedule notice", skipped.Reason);
        var invalid = await Expect.ProblemAsync(await rm.PostJsonAsync("/api/releases/calendar", new { year = 2041, month = 13 }), 400, "validation");
        Assert.True(invalid.GetProperty("errors").TryGetProperty("month", out _));
    }

    [Fact]
    public async Task AScheduledReleaseNeedsTheScheduleNoticeAndAnOutOfBandReleaseDoesNot()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync("/api/releases",
            new { title = "Rushed", kind = "security", plannedStart = Now.AddDays(3) }), 422, "notice-period");

        Assert.Equal(Now.AddDays(7), refused.GetProperty("earliestAllowedStart").GetDateTimeOffset());
        Assert.True(refused.GetProperty("errors").TryGetProperty("plannedStart", out _));
        var emergency = await rm.CreateReleaseAsync(new { title = "Zero-day", kind = "out-of-band" });
        Assert.Equal(ReleaseKind.OutOfBand, emergency.Kind);
        Assert.Equal(Now, emergency.PlannedStart);
    }

    [Fact]
    public async Task InvalidFieldsAreNamedInTheProblem()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var own = await (await admin.PostJsonAsync("/api/changes", new
        {
            title = "Payroll upgrade",
            type = "functionality",
            subtype = "feature-update",
            scope = "custom-software",
            plannedStart = Now.AddDays(20),
        })).ReadAsync<ChangeView>(201);

        var problem = await Expect.ProblemAsync(await rm.PostJsonAsync("/api/releases", new
        {
            title = "",
            kind = "monthly",
            plannedStart = Now.AddDays(30),
            maxInstallFailurePercent = 150,
            minDevices = -1,
            targetsAllTenants = false,
            changeIds = new[] { own.Id, 999999 },
        }), 400, "validation");

        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "title", "kind", "maxInstallFailurePercent", "minDevices", "targetTenantIds", "changeIds[0]", "changeIds[1]" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"expected an error for {field}: {errors}");
        }
        Assert.Contains("customer's own change", errors.GetProperty("changeIds[0]")[0].GetString());
        Assert.Contains("no change 999999", errors.GetProperty("changeIds[1]")[0].GetString());
    }

    [Fact]
    public async Task OnlyReleaseManagersAndProviderAdminsRunReleasesAndTenantsReadTheReleasesThatReachThem()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var support = await app.CreateUserAsync(Role.SupportEngineer);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var body = new { title = "Zero-day for A", kind = "out-of-band", targetTenantIds = new[] { a.Id } };

        await Expect.ProblemAsync(await support.PostJsonAsync("/api/releases", body), 403, "forbidden");
        await Expect.ProblemAsync(await adminA.PostJsonAsync("/api/releases", body), 403, "forbidden");
        await Expect.ProblemAsync(await adminA.PostJsonAsync("/api/releases/calendar", new { year = 2042, month = 1 }), 403, "forbidden");
        var release = await providerAdmin.CreateReleaseAsync(body);

        var seenByA = await adminA.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}");
        Assert.Equal([a.Id], seenByA.TargetTenantIds);
        Assert.Contains(await adminA.GetJsonAsync<List<ReleaseSummary>>("/api/releases"), r => r.Id == release.Id);
        await Expect.ProblemAsync(await adminB.Client.GetAsync($"/api/releases/{release.Id}", TestContext.Current.CancellationToken), 404, "not-found");
        Assert.DoesNotContain(await adminB.GetJsonAsync<List<ReleaseSummary>>("/api/releases"), r => r.Id == release.Id);
        Assert.Equal(release.Id, (await support.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}")).Id);
    }

    [Fact]
    public async Task AnOutOfBandReleaseStartsOnlyOnceItsMitigationIsRecordedAndThenPostsToEachTenant()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.CreateReleaseAsync(new { title = "Browser zero-day", kind = "out-of-band", targetTenantIds = new[] { tenant.Id } });

        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/start"), 422, "mitigation-first");
        Assert.Empty(await app.ReleasePostsAsync(release.Id));
        var future = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/mitigation",
            new { description = "Blocked", appliedAt = Now.AddHours(1) }), 400, "validation");
        Assert.True(future.GetProperty("errors").TryGetProperty("appliedAt", out _));
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/mitigation", new { description = "Blocked the exploited URL at the web filter." }), 200);

        var started = await (await rm.PostJsonAsync($"/api/releases/{release.Id}/start")).ReadAsync<ReleaseView>();

        Assert.Equal(ReleaseState.InProgress, started.State);
        Assert.Equal(Now, started.StartedAt);
        var post = Assert.Single(await app.ReleasePostsAsync(release.Id));
        Assert.Equal($"Browser zero-day: rollout started", post.Title);
        Assert.Contains("Blocked the exploited URL", post.BodyMarkdown);
        Assert.Null(post.ChangeId);
        // The tenant reads it in its Message Center, also through the Graph-compatible API.
        var graph = await admin.GetJsonAsync<System.Text.Json.JsonElement>($"/graph/v1.0/admin/serviceAnnouncement/messages/{post.Id}");
        Assert.Equal(post.Title, graph.GetProperty("title").GetString());
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/start"), 409, "invalid-transition");
    }

    [Fact]
    public async Task AScheduledReleaseDoesNotStartBeforeItsPlannedStart()
    {
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var release = await rm.CreateReleaseAsync(new { title = "Preview", kind = "non-security", plannedStart = Now.AddDays(8), targetTenantIds = new[] { tenant.Id } });

        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/start"), 409, "before-planned-start");

        Assert.Equal(release.PlannedStart, refused.GetProperty("plannedStart").GetDateTimeOffset());
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/blackout-override", new { reason = "x" }), 422, "not-emergency");
    }

    [Fact]
    public async Task RingsWhosePlannedStartFallsInABlackoutAreListedWhenScheduling()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var start = Now.AddDays(10);
        var release = await rm.CreateReleaseAsync(new { title = "Security release", kind = "security", plannedStart = start, targetTenantIds = new[] { tenant.Id } });
        Assert.Empty(release.Conflicts);

        // The tenant freezes the day its First ring would start (deferral 1 day).
        var window = await (await admin.PostJsonAsync("/api/blackouts", new { title = "Quarter close", start = start.AddHours(12), end = start.AddDays(2) }))
            .ReadAsync<BlackoutView>(201);

        var conflict = Assert.Single(window.Conflicts);
        Assert.Equal(release.Id, conflict.ReleaseId);
        Assert.Equal("First", conflict.Ring);
        Assert.Equal(start.AddDays(1), conflict.PlannedStart);
        Assert.Equal(tenant.Id, window.TenantId);
        var seen = await rm.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}");
        Assert.Equal("First", Assert.Single(seen.Conflicts).Ring);
        Assert.Equal("Quarter close", seen.Conflicts[0].Window);

        // Moving the release a week later clears the conflict.
        var moved = await (await rm.PutJsonAsync($"/api/releases/{release.Id}", new { title = "Security release", plannedStart = start.AddDays(7), targetTenantIds = new[] { tenant.Id } }))
            .ReadAsync<ReleaseView>();
        Assert.Empty(moved.Conflicts);
    }

    [Fact]
    public async Task EditsHonourIfMatchAndAStartedReleaseKeepsItsStartTargetsAndChanges()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/releases/{release.Id}")
        {
            Content = JsonContent.Create(new { title = "Renamed", targetTenantIds = new[] { tenant.Id } }, options: ChangeDeskFactory.Json),
        };
        stale.Headers.IfMatch.ParseAdd("\"1\"");

        var conflict = await rm.Client.SendAsync(stale, TestContext.Current.CancellationToken);
        await Expect.ProblemAsync(conflict, 412, "precondition-failed");
        Assert.Equal(release.ETag, conflict.Headers.ETag?.ToString());

        var moved = await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/releases/{release.Id}",
            new { title = release.Title, plannedStart = release.PlannedStart.AddDays(1), targetTenantIds = new[] { tenant.Id } }), 409, "not-editable");
        Assert.True(moved.GetProperty("errors").TryGetProperty("plannedStart", out _));

        var stricter = await (await rm.PutJsonAsync($"/api/releases/{release.Id}",
            new { title = release.Title, targetTenantIds = new[] { tenant.Id }, maxInstallFailurePercent = 2.5, minDevices = 50 })).ReadAsync<ReleaseView>();
        Assert.Equal(2.5, stricter.Thresholds.MaxInstallFailurePercent);
        Assert.Equal(50, stricter.Thresholds.MinDevices);
        Assert.Equal(20, stricter.Thresholds.MaxReliabilityEventsPer1000);
        Assert.True(stricter.Thresholds.Overridden);
    }

    [Fact]
    public async Task ABundledChangeThatAsksForApprovalHoldsATenantUntilItApproves()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await (await rm.PostJsonAsync("/api/changes", new
        {
            title = "New kiosk defaults",
            type = "functionality",
            subtype = "feature-update",
            scope = "managed-service",
            targetTenantIds = new[] { a.Id },
            consent = "approve",
            actionRequiredBy = Now.AddDays(1),
            plannedStart = Now.AddDays(2),
        })).ReadAsync<ChangeView>(201);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/announce"), 200);
        var release = await rm.CreateReleaseAsync(new { title = "Kiosk fix", kind = "out-of-band", targetTenantIds = new[] { a.Id, b.Id }, changeIds = new[] { change.Id } });
        Assert.Equal(change.Id, Assert.Single(release.Changes).Id);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/mitigation", new { description = "Kiosks locked down" }), 200);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/start"), 200);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(b.Id, "Test").State == RingState.Deploying, "B's Test ring to start");

        // B is not asked to approve the change, so only A is held.
        var held = await adminA.GateAsync(release.Id, a.Id, "Test");
        Assert.Equal(GateStatus.Prevented, held.Status);
        var reason = Assert.Single(held.Reasons);
        Assert.Equal(GateReason.NotApproved, reason.Code);
        Assert.Contains($"CHG-{change.Id} (pending)", reason.Detail);

        await Expect.StatusAsync(await adminA.PostJsonAsync($"/api/changes/{change.Id}/approvals", new { decision = "approve" }), 200);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(a.Id, "Test").State == RingState.Deploying, "A's Test ring to start");
        Assert.Equal(GateStatus.Allowed, (await adminA.GateAsync(release.Id, a.Id, "Test")).Status);
    }

    [Fact]
    public async Task TheScheduleIsPostedAWeekAheadThenTheReleaseStartsItselfAndEndsWithASummary()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        await Expect.StatusAsync(await admin.PutJsonAsync($"/api/tenants/{tenant.Id}/rings", new
        {
            rings = new object[]
            {
                new { name = "Pilot", devices = 5, deferralDays = 0, soakDays = 1 },
                new { name = "Everyone", sharePercent = 100, deferralDays = 1, soakDays = 1 },
            },
        }), 200);
        var start = Now.AddDays(10);
        var release = await rm.CreateReleaseAsync(new { title = $"Security release {Guid.NewGuid():n}", kind = "security", plannedStart = start, targetTenantIds = new[] { tenant.Id } });

        await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Empty(await app.ReleasePostsAsync(release.Id)); // ten days ahead: not yet
        app.Clock.Advance(TimeSpan.FromDays(3));
        await app.SettleAsync(async () => (await app.ReleasePostsAsync(release.Id)).Count == 1, "the schedule post");
        var schedule = Assert.Single(await app.ReleasePostsAsync(release.Id));
        Assert.EndsWith("release schedule", schedule.Title);
        Assert.Contains("| Pilot | 5 devices |", schedule.BodyMarkdown);
        Assert.Contains("| Everyone | 100 % of the other devices |", schedule.BodyMarkdown);
        Assert.Equal("planForChange", schedule.Category);

        app.Clock.Advance(start - Now);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Pilot").State == RingState.Deploying, "the release to start itself");
        Assert.Equal(start, (await rm.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}")).StartedAt);
        await Expect.StatusAsync(await rm.SignalsAsync(
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Pilot", devices = 5, installSuccesses = 5 }), 200);
        app.Clock.Advance(TimeSpan.FromDays(1));
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Everyone").State == RingState.Deploying, "the second ring");
        await Expect.StatusAsync(await rm.SignalsAsync(
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Everyone", devices = 200, installSuccesses = 150, installFailures = 2 }), 200);
        app.Clock.Advance(TimeSpan.FromDays(1));
        await app.SettleAsync(async () => (await rm.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}")).State == ReleaseState.Completed, "the release to complete");

        var summary = Assert.Single(await app.ReleasePostsAsync(release.Id), m => m.Title.EndsWith("rollout summary", StringComparison.Ordinal));
        Assert.Equal([tenant.Id], summary.Tenants.Select(t => t.TenantId));
        Assert.Contains("| Pilot | 5 | 5 | 0 | 100 % |", summary.BodyMarkdown);
        Assert.Contains("| Everyone | 200 | 150 | 2 | 75 % |", summary.BodyMarkdown);
        var inbox = await admin.GetJsonAsync<ChangeDesk.MessageCenter.InboxPage>("/api/message-center/messages?view=all");
        Assert.Contains(inbox.Items, m => m.Id == summary.Id);
    }
}
