using ChangeDesk.MessageCenter;
using ChangeDesk.Releases;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

/// <summary>Data signals that breach a release's thresholds pause its rollout by themselves and tell the people who must act.</summary>
public sealed class SignalBreachTests(SmtpFixture app) : IClassFixture<SmtpFixture>
{
    static object Report(ReleaseView release, Guid tenant, string ring, int devices, long successes, long failures, long crashes = 0) =>
        new { releaseId = release.Id, tenantId = tenant, ring, devices, installSuccesses = successes, installFailures = failures, crashes };

    static string Subject(ReceivedMail m) => m.Message.Subject ?? "";
    static string Text(ReceivedMail m) => m.Message.TextBody ?? "";

    async Task<ReleaseView> RunningAsync(TestUser rm, params Guid[] tenants)
    {
        var release = await rm.StartOutOfBandAsync(tenants);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Tenants.All(t => t.Rings[0].State == RingState.Deploying), "every Test ring to start");
        return release;
    }

    [Fact]
    public async Task ABreachPausesThatTenantsRolloutPostsAnAdvisoryAndMailsTheReleaseManagers()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var (bystander, bystanderAdmin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await RunningAsync(rm, tenant.Id, bystander.Id);

        await Expect.StatusAsync(await rm.SignalsAsync(
            Report(release, tenant.Id, "Test", 100, 88, 12),
            Report(release, bystander.Id, "Test", 100, 99, 1)), 200);

        var view = await Poll.ForAsync(async () =>
        {
            await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
            return await rm.RolloutAsync(release.Id);
        }, v => v.Tenants.Single(t => t.TenantId == tenant.Id).IsPaused, what: "the breaching tenant's rollout to pause");

        var paused = view.Tenants.Single(t => t.TenantId == tenant.Id);
        var pause = Assert.Single(paused.Pauses);
        Assert.Equal(PauseSide.Provider, pause.Side);
        Assert.Equal(PauseCause.SignalBreach, pause.Cause);
        Assert.Equal("Test", pause.Ring);
        Assert.True(pause.IsActive);
        Assert.Contains("install failure rate 12 %", pause.Reason);
        Assert.False(view.Tenants.Single(t => t.TenantId == bystander.Id).IsPaused);
        Assert.Empty(view.ServiceWidePauses);

        // Deployment tools hear it at once: the breaching ring and everything after it are prevented, elsewhere not.
        var gate = await admin.GateAsync(release.Id, tenant.Id, "Test");
        Assert.Equal(GateStatus.Prevented, gate.Status);
        Assert.Contains(gate.Reasons, r => r.Code == GateReason.SignalBreach);
        Assert.Contains(gate.Reasons, r => r.Code == GateReason.PausedByProvider);
        Assert.Equal(GateStatus.Allowed, (await bystanderAdmin.GateAsync(release.Id, bystander.Id, "Test")).Status);

        // The advisory is a Message Center post of the paused tenant only.
        var advisory = Assert.Single(await app.ReleasePostsAsync(release.Id), m => m.Title.EndsWith("rollout paused", StringComparison.Ordinal));
        Assert.Equal([tenant.Id], advisory.Tenants.Select(t => t.TenantId));
        Assert.Equal(MessageCategory.PreventOrFixIssue, advisory.Category);
        Assert.Equal(MessageSeverity.High, advisory.Severity);
        Assert.Contains("install failure rate 12 %", advisory.BodyMarkdown);
        var inbox = await admin.GetJsonAsync<InboxPage>("/api/message-center/messages?view=all");
        Assert.Contains(inbox.Items, m => m.Id == advisory.Id);
        var bystanderInbox = await bystanderAdmin.GetJsonAsync<InboxPage>("/api/message-center/messages?view=all");
        Assert.DoesNotContain(bystanderInbox.Items, m => m.Id == advisory.Id);

        // Email: the release manager is alerted, the tenant's admin gets the advisory, the bystander neither.
        await Poll.UntilAsync(() => app.Sink.AcceptedFor([rm.Email]).Any(m => Subject(m).StartsWith("[ChangeDesk] Rollout paused:", StringComparison.Ordinal))
            && app.Sink.AcceptedFor([admin.Email]).Any(m => Subject(m).Contains(advisory.Id)), what: "the alert and the advisory at the SMTP server");
        var alert = Assert.Single(app.Sink.AcceptedFor([rm.Email]), m => Subject(m).StartsWith("[ChangeDesk] Rollout paused:", StringComparison.Ordinal));
        Assert.Contains(tenant.Name, Subject(alert));
        Assert.Contains("install failure rate 12 %", Text(alert));
        Assert.DoesNotContain(app.Sink.AcceptedFor([bystanderAdmin.Email]), m => Subject(m).Contains(advisory.Id));

        // The next passes do not pause, post or mail again.
        await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
        await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Single(await app.ReleasePostsAsync(release.Id), m => m.Title.EndsWith("rollout paused", StringComparison.Ordinal));
        Assert.Single((await rm.RolloutAsync(release.Id)).Tenants.Single(t => t.TenantId == tenant.Id).Pauses);
    }

    [Fact]
    public async Task ABreachInTwoTenantsPausesTheReleaseForEveryTenantWithOneAdvisoryThatNamesNoTenant()
    {
        var a = await app.CreateTenantWithAdminAsync();
        var b = await app.CreateTenantWithAdminAsync();
        var healthy = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await RunningAsync(rm, a.Tenant.Id, b.Tenant.Id, healthy.Tenant.Id);

        await Expect.StatusAsync(await rm.SignalsAsync(
            Report(release, a.Tenant.Id, "Test", 200, 180, 20),
            Report(release, b.Tenant.Id, "Test", 50, 10, 0, crashes: 3),
            Report(release, healthy.Tenant.Id, "Test", 100, 100, 0)), 200);

        var view = await Poll.ForAsync(async () =>
        {
            await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
            return await rm.RolloutAsync(release.Id);
        }, v => v.ServiceWidePauses.Any(p => p.IsActive), what: "a service-wide pause");

        var pause = Assert.Single(view.ServiceWidePauses);
        Assert.Equal(PauseCause.SignalBreach, pause.Cause);
        Assert.Contains("2 of 3 tenants", pause.Reason);
        Assert.DoesNotContain(a.Tenant.Name, pause.Reason);
        Assert.All(view.Tenants, t => Assert.True(t.IsPaused));

        var healthyGate = await healthy.Admin.GateAsync(release.Id, healthy.Tenant.Id, "Test");
        Assert.Equal(GateStatus.Prevented, healthyGate.Status);
        Assert.Contains(healthyGate.Reasons, r => r.Code == GateReason.PausedByProvider && r.Detail.Contains("every tenant"));

        var advisory = Assert.Single(await app.ReleasePostsAsync(release.Id), m => m.Title.EndsWith("rollout paused", StringComparison.Ordinal));
        Assert.Equal(new[] { a.Tenant.Id, b.Tenant.Id, healthy.Tenant.Id }.Order(), advisory.Tenants.Select(t => t.TenantId).Order());
        Assert.DoesNotContain(a.Tenant.Name, advisory.BodyMarkdown);
        Assert.DoesNotContain(b.Tenant.Name, advisory.BodyMarkdown);
        // Only the release managers learn which tenants breached.
        await Poll.UntilAsync(() => app.Sink.AcceptedFor([rm.Email]).Any(m => Subject(m).Contains("every tenant")), what: "the alert");
        var alert = app.Sink.AcceptedFor([rm.Email]).First(m => Subject(m).Contains("every tenant"));
        Assert.Contains(a.Tenant.Name, Text(alert));
        Assert.Contains(b.Tenant.Name, Text(alert));
        Assert.DoesNotContain(healthy.Tenant.Name, Text(alert));
    }

    [Fact]
    public async Task LiftingABreachPauseAcceptsTheSignalsSoFarAndJudgesOnlyWhatArrivesAfter()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await RunningAsync(rm, tenant.Id);
        await Expect.StatusAsync(await rm.SignalsAsync(Report(release, tenant.Id, "Test", 100, 90, 10)), 200);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Tenants[0].IsPaused, "the breach pause");

        var resumed = await (await rm.PostJsonAsync($"/api/releases/{release.Id}/resume", new { tenantId = tenant.Id, reason = "Failures traced to a disk-space check; fixed." }))
            .ReadAsync<RolloutView>();

        var own = Assert.Single(resumed.Tenants);
        Assert.False(own.IsPaused);
        var lifted = Assert.Single(own.Pauses);
        Assert.Equal(rm.Email, lifted.LiftedBy);
        Assert.Equal("Failures traced to a disk-space check; fixed.", lifted.LiftReason);
        Assert.Equal(GateStatus.Allowed, (await rm.GateAsync(release.Id, tenant.Id, "Test")).Status);

        // Healthy data after the resume does not pause again, though the totals still show 10 % failed.
        await Expect.StatusAsync(await rm.SignalsAsync(Report(release, tenant.Id, "Test", 100, 100, 0)), 200);
        app.Clock.Advance(TimeSpan.FromDays(1));
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "First").State == RingState.Deploying, "the First ring to start");
        var view = await rm.RolloutAsync(release.Id);
        Assert.False(view.Tenants[0].IsPaused);
        Assert.Equal(5, view.Ring(tenant.Id, "Test").Signals.InstallFailurePercent!.Value, 6);

        // New failures beyond the threshold pause it again.
        await Expect.StatusAsync(await rm.SignalsAsync(Report(release, tenant.Id, "First", 400, 370, 30)), 200);
        await app.SettleAsync(async () => (await rm.RolloutAsync(release.Id)).Tenants[0].IsPaused, "a second breach pause");
        var again = (await rm.RolloutAsync(release.Id)).Tenants[0].Pauses.Single(p => p.IsActive);
        Assert.Equal("First", again.Ring);
    }
}
