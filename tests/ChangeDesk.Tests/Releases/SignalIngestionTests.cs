using ChangeDesk.Releases;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Releases;

public sealed class SignalIngestionTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task ABatchIsAggregatedPerRingAsItArrivesWithHourlyHistory()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        var t0 = app.Clock.GetUtcNow().AddHours(1);
        app.Clock.Advance(TimeSpan.FromHours(3));

        var result = await (await rm.SignalsAsync(
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test", at = t0, devices = 40, installSuccesses = 10 },
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "test", at = t0.AddMinutes(20), installSuccesses = 15, installFailures = 1, crashes = 2 },
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test", at = t0.AddMinutes(-30), devices = 35 },
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "First", at = t0, devices = 400, hangs = 1, bootFailures = 1 })).ReadAsync<SignalBatchResult>();

        Assert.Equal(4, result.Accepted);
        Assert.Equal(0, result.Duplicates);
        var view = await rm.RolloutAsync(release.Id);
        var test = view.Ring(tenant.Id, "Test").Signals;
        Assert.Equal(40, test.Devices); // the latest device count wins, whatever the order of arrival
        Assert.Equal(25, test.InstallSuccesses);
        Assert.Equal(1, test.InstallFailures);
        Assert.Equal(2, test.Crashes);
        Assert.Equal(100.0 / 26, test.InstallFailurePercent!.Value, 6);
        Assert.Equal(62.5, test.UpdatedPercent!.Value, 6);
        Assert.Equal(50, test.ReliabilityPer1000!.Value, 6);
        var first = view.Ring(tenant.Id, "First").Signals;
        Assert.Equal((400, 1L, 1L), (first.Devices, first.Hangs, first.BootFailures));

        // The history has a point per hour that received signals, cumulative, for a chart.
        await Expect.StatusAsync(await rm.SignalsAsync(
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test", at = t0.AddHours(2), installSuccesses = 5 }), 200);
        var series = (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test").Series;
        Assert.True(series.Count >= 2);
        Assert.Equal(series.OrderBy(p => p.At).Select(p => p.At), series.Select(p => p.At));
        Assert.Equal(30, series[^1].InstallSuccesses);
        Assert.Equal(40, series[^1].Devices);
        Assert.True(series.Zip(series.Skip(1)).All(p => p.Second.InstallSuccesses >= p.First.InstallSuccesses));
    }

    [Fact]
    public async Task AnEventSentAgainWithItsIdIsCountedOnce()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        var id = $"intune-{Guid.NewGuid():n}";
        object Event(string eventId) => new { eventId, releaseId = release.Id, tenantId = tenant.Id, ring = "Test", installSuccesses = 3 };

        var first = await (await rm.SignalsAsync(Event(id), Event(id), Event(id + "-b"))).ReadAsync<SignalBatchResult>();
        var retry = await (await rm.SignalsAsync(Event(id), Event(id + "-b"), Event(id + "-c"))).ReadAsync<SignalBatchResult>();

        Assert.Equal((2, 1), (first.Accepted, first.Duplicates));
        Assert.Equal((1, 2), (retry.Accepted, retry.Duplicates));
        Assert.Equal([id, id + "-b"], retry.DuplicateEventIds);
        Assert.Equal(9, (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test").Signals.InstallSuccesses);
    }

    [Fact]
    public async Task ABadItemRefusesTheWholeBatchNamingItsIndexAndField()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var (other, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        var scheduled = await rm.CreateReleaseAsync(new { title = "Later", kind = "security", plannedStart = app.Clock.GetUtcNow().AddDays(20), targetTenantIds = new[] { tenant.Id } });

        var problem = await Expect.ProblemAsync(await rm.SignalsAsync(
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test", installSuccesses = 10 },
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Canary", installSuccesses = 1 },
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test", installFailures = -1 },
            new { releaseId = release.Id, tenantId = other.Id, ring = "Test", installSuccesses = 1 },
            new { releaseId = scheduled.Id, tenantId = tenant.Id, ring = "Test", installSuccesses = 1 },
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test" },
            new { releaseId = release.Id, tenantId = tenant.Id, ring = "Test", installSuccesses = 1, at = app.Clock.GetUtcNow().AddHours(1) },
            new { tenantId = tenant.Id, ring = "Test", installSuccesses = 1 }), 400, "validation");

        var errors = problem.GetProperty("errors");
        Assert.Contains("Test, First, Fast, Broad", errors.GetProperty("items[1].ring")[0].GetString());
        Assert.True(errors.TryGetProperty("items[2].installFailures", out _));
        Assert.True(errors.TryGetProperty("items[3].tenantId", out _));
        Assert.Contains("scheduled", errors.GetProperty("items[4].releaseId")[0].GetString());
        Assert.True(errors.TryGetProperty("items[5]", out _));
        Assert.True(errors.TryGetProperty("items[6].at", out _));
        Assert.True(errors.TryGetProperty("items[7].releaseId", out _));
        Assert.False(errors.TryGetProperty("items[0].ring", out _));
        // Nothing of the batch was counted, not even its valid first item.
        Assert.Equal(0, (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test").Signals.InstallSuccesses);
        await Expect.ProblemAsync(await rm.PostJsonAsync("/api/signals", new { items = Array.Empty<object>() }), 400, "validation");
    }

    [Fact]
    public async Task ATenantTokenReportsItsOwnTenantsSignalsOnlyAndReadersReportNone()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var readerA = await app.CreateUserAsync(Role.TenantReader, a.Id);
        var support = await app.CreateUserAsync(Role.SupportEngineer);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(a.Id, b.Id);

        await Expect.StatusAsync(await adminA.SignalsAsync(new { releaseId = release.Id, tenantId = a.Id, ring = "Test", installSuccesses = 4 }), 200);
        var forbidden = await Expect.ProblemAsync(await adminA.SignalsAsync(
            new { releaseId = release.Id, tenantId = a.Id, ring = "Test", installSuccesses = 1 },
            new { releaseId = release.Id, tenantId = b.Id, ring = "Test", installFailures = 50 }), 403, "forbidden");
        Assert.Contains("items[1].tenantId", forbidden.GetProperty("detail").GetString());
        await Expect.ProblemAsync(await readerA.SignalsAsync(new { releaseId = release.Id, tenantId = a.Id, ring = "Test", installSuccesses = 1 }), 403, "forbidden");
        await Expect.ProblemAsync(await support.SignalsAsync(new { releaseId = release.Id, tenantId = a.Id, ring = "Test", installSuccesses = 1 }), 403, "forbidden");

        var view = await rm.RolloutAsync(release.Id);
        Assert.Equal(4, view.Ring(a.Id, "Test").Signals.InstallSuccesses);
        Assert.Equal(0, view.Ring(b.Id, "Test").Signals.InstallFailures);
    }
}
