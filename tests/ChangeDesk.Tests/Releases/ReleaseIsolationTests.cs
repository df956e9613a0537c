using ChangeDesk.Releases;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

/// <summary>A tenant sees its own rings, rollout, signals, pauses and blackout windows, never another tenant's.</summary>
public sealed class ReleaseIsolationTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task ATenantSeesOnlyItsOwnRolloutSignalsPausesRingsAndBlackouts()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var readerA = await app.CreateUserAsync(Role.TenantReader, a.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        await Expect.StatusAsync(await adminB.PutJsonAsync($"/api/tenants/{b.Id}/rings",
            new { rings = new[] { new { name = "B-only ring", devices = 9, deferralDays = 0, soakDays = 0 } } }), 200);
        var release = await rm.StartOutOfBandAsync(a.Id, b.Id);
        await Expect.StatusAsync(await rm.SignalsAsync(
            new { releaseId = release.Id, tenantId = a.Id, ring = "Test", devices = 10, installSuccesses = 10 },
            new { releaseId = release.Id, tenantId = b.Id, ring = "B-only ring", devices = 9, installSuccesses = 7 }), 200);
        await Expect.StatusAsync(await adminB.PostJsonAsync($"/api/releases/{release.Id}/pause", new { reason = "B's secret reason" }), 200);
        var windowB = await (await adminB.PostJsonAsync("/api/blackouts",
            new { title = "B's freeze", start = app.Clock.GetUtcNow().AddDays(1), end = app.Clock.GetUtcNow().AddDays(2) })).ReadAsync<BlackoutView>(201);
        var serviceWide = await (await rm.PostJsonAsync("/api/blackouts",
            new { title = "Year-end freeze", start = app.Clock.GetUtcNow().AddDays(30), end = app.Clock.GetUtcNow().AddDays(40) })).ReadAsync<BlackoutView>(201);
        Assert.True(serviceWide.ServiceWide);

        foreach (var user in new[] { adminA, readerA })
        {
            var view = await user.RolloutAsync(release.Id);
            var own = Assert.Single(view.Tenants);
            Assert.Equal(a.Id, own.TenantId);
            Assert.False(own.IsPaused);
            Assert.Empty(own.Pauses);
            Assert.Equal(10, own.Rings[0].Signals.InstallSuccesses);
            // Asking for the other tenant by name is refused, as the gates API refuses it.
            await Expect.ProblemAsync(await user.Client.GetAsync($"/api/releases/{release.Id}/rollout?tenantId={b.Id}", TestContext.Current.CancellationToken), 403, "forbidden");
            Assert.Equal(a.Id, Assert.Single((await user.RolloutAsync(release.Id, a.Id)).Tenants).TenantId);

            var blackouts = await user.GetJsonAsync<List<BlackoutView>>("/api/blackouts");
            Assert.Contains(blackouts, w => w.Id == serviceWide.Id);
            Assert.DoesNotContain(blackouts, w => w.Id == windowB.Id);
            await Expect.ProblemAsync(await user.Client.GetAsync($"/api/tenants/{b.Id}/rings", TestContext.Current.CancellationToken), 404, "not-found");
            Assert.Equal(["Test", "First", "Fast", "Broad"], (await user.GetJsonAsync<RingPlanView>($"/api/tenants/{a.Id}/rings")).Rings.Select(r => r.Name));
        }
        await Expect.ProblemAsync(await adminA.PutJsonAsync($"/api/blackouts/{windowB.Id}", new { title = "mine now", start = windowB.Start, end = windowB.End }), 404, "not-found");
        await Expect.ProblemAsync(await adminA.Client.DeleteAsync($"/api/blackouts/{windowB.Id}", TestContext.Current.CancellationToken), 404, "not-found");
        await Expect.ProblemAsync(await adminA.Client.DeleteAsync($"/api/blackouts/{serviceWide.Id}", TestContext.Current.CancellationToken), 403, "forbidden");
        await Expect.ProblemAsync(await adminA.PutJsonAsync($"/api/tenants/{b.Id}/rings",
            new { rings = new[] { new { name = "Hijack", devices = 1, deferralDays = 0, soakDays = 0 } } }), 404, "not-found");

        // The provider sees both.
        var all = await rm.RolloutAsync(release.Id);
        Assert.Equal(2, all.Tenants.Count);
        Assert.Equal("B's secret reason", all.Tenants.Single(t => t.TenantId == b.Id).Pauses.Single().Reason);
        Assert.Equal("B-only ring", all.Ring(b.Id, "B-only ring").Name);
    }

    [Fact]
    public async Task ARingPlanIsValidatedAndEditedOnlyByTheTenantsAdminsOrAProviderAdmin()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var plan = new { rings = new object[] { new { name = "Pilot", devices = 10, deferralDays = 0, soakDays = 2 }, new { name = "Rest", sharePercent = 100, deferralDays = 2, soakDays = 1 } } };

        var defaults = await admin.GetJsonAsync<RingPlanView>($"/api/tenants/{tenant.Id}/rings");
        Assert.True(defaults.IsDefault);
        await Expect.ProblemAsync(await reader.PutJsonAsync($"/api/tenants/{tenant.Id}/rings", plan), 403, "forbidden");
        await Expect.ProblemAsync(await rm.PutJsonAsync($"/api/tenants/{tenant.Id}/rings", plan), 403, "forbidden");
        var invalid = await Expect.ProblemAsync(await admin.PutJsonAsync($"/api/tenants/{tenant.Id}/rings",
            new { rings = new object[] { new { name = "Pilot", devices = 10, sharePercent = 5, deferralDays = 0, soakDays = 2 } } }), 400, "validation");
        Assert.True(invalid.GetProperty("errors").TryGetProperty("rings[0].devices", out _));

        var set = await (await admin.PutJsonAsync($"/api/tenants/{tenant.Id}/rings", plan)).ReadAsync<RingPlanView>();
        Assert.False(set.IsDefault);
        Assert.Equal(["Pilot", "Rest"], set.Rings.Select(r => r.Name));
        var byProvider = await (await providerAdmin.PutJsonAsync($"/api/tenants/{tenant.Id}/rings",
            new { rings = new object[] { new { name = "All", devices = 500, deferralDays = 3, soakDays = 0 } } })).ReadAsync<RingPlanView>();
        Assert.Equal(3, Assert.Single(byProvider.Rings).DeferralDays);
        Assert.Equal("All", Assert.Single((await reader.GetJsonAsync<RingPlanView>($"/api/tenants/{tenant.Id}/rings")).Rings).Name);
    }

    [Fact]
    public async Task BlackoutWindowsAreValidatedAndServiceWideOnesAreTheProvidersAlone()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var (other, _) = await app.CreateTenantWithAdminAsync();
        var now = app.Clock.GetUtcNow();

        var invalid = await Expect.ProblemAsync(await admin.PostJsonAsync("/api/blackouts", new { title = "", start = now.AddDays(2), end = now.AddDays(1) }), 400, "validation");
        Assert.True(invalid.GetProperty("errors").TryGetProperty("title", out _));
        Assert.True(invalid.GetProperty("errors").TryGetProperty("end", out _));
        await Expect.ProblemAsync(await admin.PostJsonAsync("/api/blackouts", new { tenantId = other.Id, title = "Theirs", start = now, end = now.AddDays(1) }), 403, "forbidden");

        // A tenant admin's window is its tenant's, whatever it names.
        var own = await (await admin.PostJsonAsync("/api/blackouts", new { title = "Audit week", start = now, end = now.AddDays(7) })).ReadAsync<BlackoutView>(201);
        Assert.Equal(tenant.Id, own.TenantId);
        Assert.True(own.CanEdit);
        var edited = await (await admin.PutJsonAsync($"/api/blackouts/{own.Id}", new { title = "Audit week (extended)", start = now, end = now.AddDays(8) })).ReadAsync<BlackoutView>();
        Assert.Equal(now.AddDays(8), edited.End);
        await Expect.StatusAsync(await admin.Client.DeleteAsync($"/api/blackouts/{own.Id}", TestContext.Current.CancellationToken), 204);
        Assert.DoesNotContain(await admin.GetJsonAsync<List<BlackoutView>>("/api/blackouts"), w => w.Id == own.Id);
    }
}
