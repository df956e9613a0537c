using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

/// <summary>What a release offers and refuses in each state, for the provider and for a tenant, and how its writes are audited.</summary>
public sealed class ReleaseLifecycleTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset Now => app.Clock.GetUtcNow();

    [Fact]
    public async Task AScheduledOutOfBandReleaseOffersNoPauseOrResumeUntilItStarts()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.CreateReleaseAsync(new { title = "Zero-day", kind = "out-of-band", targetTenantIds = new[] { tenant.Id } });

        var seenByManager = await rm.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}");
        var seenByTenant = await admin.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}");

        Assert.Equal(["edit", "bundle", "record-mitigation", "override-blackouts", "start", "cancel"], seenByManager.AllowedActions);
        Assert.Empty(seenByTenant.AllowedActions);
        // A pause would notify the tenants before the emergency's mitigation does: it is refused, not only hidden.
        var refused = await Expect.ProblemAsync(await admin.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Not yet" }), 409, "invalid-transition");
        Assert.Equal("scheduled", refused.GetProperty("currentState").GetString());
        Assert.Equal(seenByManager.AllowedActions, refused.GetProperty("allowedActions").EnumerateArray().Select(e => e.GetString()!));
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Not yet" }), 409, "invalid-transition");
        Assert.Empty(await app.ReleasePostsAsync(release.Id));

        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/mitigation", new { description = "Blocked at the proxy." }), 200);
        var started = await (await rm.PostJsonAsync($"/api/releases/{release.Id}/start")).ReadAsync<ReleaseView>();

        Assert.Equal(["edit", "record-mitigation", "override-blackouts", "pause", "resume", "expedite", "cancel"], started.AllowedActions);
        Assert.Equal(["pause", "resume"], (await admin.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}")).AllowedActions);
    }

    [Fact]
    public async Task ATenantMayPauseAScheduledCalendarReleaseBeforeItStarts()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.CreateReleaseAsync(new { title = "Security release", kind = "security", plannedStart = Now.AddDays(10), targetTenantIds = new[] { tenant.Id } });

        Assert.Equal(["edit", "bundle", "start", "pause", "resume", "cancel"], release.AllowedActions);
        Assert.Equal(["pause", "resume"], (await admin.GetJsonAsync<ReleaseView>($"/api/releases/{release.Id}")).AllowedActions);
        await Expect.StatusAsync(await admin.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "Quarter close" }), 200);

        var gate = await admin.GateAsync(release.Id, tenant.Id, "Test");
        Assert.Equal(GateStatus.Prevented, gate.Status);
        Assert.Equal(GateReason.PausedByTenant, Assert.Single(gate.Reasons).Code);
    }

    [Fact]
    public async Task ACancelledReleaseOffersNothingAndRefusesEveryActionNamingItsState()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);

        var cancelled = await (await rm.PostJsonAsync($"/api/releases/{release.Id}/cancel", new { reason = "Superseded by the vendor's fix." })).ReadAsync<ReleaseView>();

        Assert.Equal(ReleaseState.Cancelled, cancelled.State);
        Assert.Equal(Now, cancelled.CancelledAt);
        Assert.Equal("Superseded by the vendor's fix.", cancelled.CancelReason);
        Assert.Empty(cancelled.AllowedActions);
        foreach (var (user, action) in new[] { (rm, "start"), (rm, "expedite"), (admin, "pause") })
        {
            var refused = await Expect.ProblemAsync(await user.PostJsonAsync($"/api/releases/{release.Id}/{action}", new { reason = "x" }), 409, "invalid-transition");
            Assert.Equal("cancelled", refused.GetProperty("currentState").GetString());
            Assert.Empty(refused.GetProperty("allowedActions").EnumerateArray());
            Assert.Contains($"{release.Title} is cancelled", refused.GetProperty("detail").GetString());
        }
        await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/cancel", new { reason = "again" }), 409, "invalid-transition");
        await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/releases/{release.Id}", new { title = "Renamed", targetTenantIds = new[] { tenant.Id } }), 409, "not-editable");
    }

    [Fact]
    public async Task EachReleaseWriteIsAuditedUnderItsOperation()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await rm.CreateReleaseAsync(new { title = $"Audited fix {Guid.NewGuid():n}", kind = "out-of-band", targetTenantIds = new[] { tenant.Id } });
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/mitigation", new { description = "Blocked at the proxy." }), 200);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/blackout-override", new { reason = "Exploited in the wild." }), 200);
        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/releases/{release.Id}", new { title = release.Title + " (edited)", targetTenantIds = new[] { tenant.Id } }), 200);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/start"), 200);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/releases/{release.Id}/cancel", new { reason = "Superseded." }), 200);

        var operations = (await AuditTrailTests.AllAsync(app, pa))
            .Where(r => r.EntityType == nameof(Release) && r.EntityId == release.Id.ToString()).Select(r => r.Operation).ToList();

        Assert.Equal(
            [
                "Create out-of-band release", "Record release mitigation", "Override blackout windows for an emergency release", "Edit release",
                "Start release", "Cancel release",
            ],
            operations);
    }
}
