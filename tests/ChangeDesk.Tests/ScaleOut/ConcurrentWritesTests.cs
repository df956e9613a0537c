using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Releases;
using ChangeDesk.Tests.Support;
using ChangeDesk.Tests.SupportRequests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.ScaleOut;

/// <summary>
/// Three instances on one database take writes at once, each request on whichever instance it reaches, as behind a
/// load balancer. Nothing makes them take turns but the rows they share, and what used to rely on one writer at a
/// time still holds: the audit chain, numbering, and counters.
/// </summary>
public sealed class ConcurrentWritesTests : ThreeInstances
{
    /// <summary>The user on each instance in turn: request <paramref name="i"/> goes to instance i mod 3.</summary>
    List<TestUser> OnEveryInstance(TestUser user) => Instances.Select(i => i.Serving(user)).ToList();

    [Fact]
    public async Task AuditRecordsWrittenOnThreeInstancesAtOnceFormOneIntactChainThatStillCatchesAnEdit()
    {
        var app = Instances[0];
        var tenant = await app.CreateTenantAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        var rm = OnEveryInstance(await app.CreateUserAsync(Role.ReleaseManager));

        // 24 clients, 8 per instance, each creating, editing and announcing a change.
        var changes = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            var user = rm[i % 3];
            var input = ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(30), tenant.Id) with { Title = $"Concurrent change {i}" };
            var change = await user.CreateChangeAsync(input);
            await Expect.StatusAsync(await user.PutJsonAsync($"/api/changes/{change.Id}", input with { Title = $"Concurrent change {i}, edited" }), 200);
            return await user.ActAsync(change.Id, "announce");
        }));

        // Every instance's chain job links what was committed, one chainer at a time.
        var written = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().AuditRecords.IgnoreQueryFilters().CountAsync());
        var verification = await Poll.ForAsync(() => pa.GetJsonAsync<AuditVerification>("/api/audit/verify"),
            v => v.PendingRecords == 0 && v.RecordsChecked >= written, what: "every audit record to be chained");
        Assert.True(verification.IsIntact, verification.Problem);

        // Each change's records are chained in the order they were written, and each announce numbered its post once.
        foreach (var change in changes)
        {
            var timeline = await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={change.Id}");
            var operations = timeline.Where(r => r.EntityType == "Change").OrderBy(r => r.Sequence).Select(r => r.Operation).ToList();
            Assert.Equal(["Create change", "Edit change", "Announce change"], operations.Distinct().ToList());
        }
        Assert.Equal(24, changes.Select(c => c.MessageId).Distinct().Count());

        // An edit made in the database behind the service's back is found, wherever it was written.
        var victim = (await pa.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={changes[13].Id}"))
            .First(r => r.Operation == "Edit change" && r.EntityType == "Change");
        var forged = victim.After!.Replace("Concurrent change 13, edited", "Concurrent change 13", StringComparison.Ordinal);
        Assert.Equal(1, await Tampering.SqlAsync(app, "UPDATE \"AuditRecords\" SET \"After\" = {0} WHERE \"Sequence\" = {1}", forged, victim.Sequence!.Value));
        var broken = await Instances[2].Serving(pa).GetJsonAsync<AuditVerification>("/api/audit/verify");
        Assert.False(broken.IsIntact);
        Assert.Equal(victim.Sequence, broken.FirstBadSequence);
    }

    [Fact]
    public async Task SignalBatchesForOneRingSentToThreeInstancesAtOnceLoseNoCount()
    {
        var app = Instances[0];
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var release = await rm.StartOutOfBandAsync(tenant.Id);
        var senders = OnEveryInstance(rm);

        // 30 batches of 5 events each, all in the same hour: the first batches also race to open its bucket.
        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => senders[i % 3].SignalsAsync(
            Enumerable.Range(0, 5).Select(j => (object)new { eventId = $"batch-{i}-{j}", releaseId = release.Id, tenantId = tenant.Id, ring = "Test", installSuccesses = 1 }).ToArray())));

        foreach (var response in responses)
        {
            await Expect.StatusAsync(response, 200);
        }
        var ring = (await rm.RolloutAsync(release.Id)).Ring(tenant.Id, "Test");
        Assert.Equal(150, ring.Signals.InstallSuccesses);
        Assert.Equal(150, Assert.Single(ring.Series).InstallSuccesses);
    }

    [Fact]
    public async Task FirstSettingsOfAServiceWideMatrixCellAndOfARingPlanOnThreeInstancesAtOnceLeaveOneOfEach()
    {
        var app = Instances[0];
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var providerAdmins = OnEveryInstance(await app.CreateUserAsync(Role.ProviderAdmin));
        var admins = OnEveryInstance(admin);

        var cells = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => providerAdmins[i % 3].PutJsonAsync(
            "/api/responsibility-matrix/cells/package-for-deployment/custom-software", new { responsible = i % 2 == 0 ? "both" : "customer" })));
        var plans = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => admins[i % 3].PutJsonAsync($"/api/tenants/{tenant.Id}/rings", new
        {
            rings = new object[]
            {
                new { name = "Pilot", devices = 10 + i, deferralDays = 0, soakDays = 1 },
                new { name = "Everyone", sharePercent = 100, deferralDays = 2, soakDays = 0 },
            },
        })));

        foreach (var response in cells.Concat(plans))
        {
            await Expect.StatusAsync(response, 200);
        }
        var (overrides, rings) = await app.AsSystemAsync(async s =>
        {
            var db = s.GetRequiredService<ChangeDeskDb>();
            return (await db.ResponsibilityOverrides.CountAsync(o => o.TenantId == null && o.Activity == Responsibility.Activity.PackageForDeployment && o.Scope == Responsibility.Scope.CustomSoftware),
                await db.TenantRings.Where(r => r.TenantId == tenant.Id).OrderBy(r => r.Position).Select(r => r.Name).ToListAsync());
        });
        Assert.Equal(1, overrides);
        Assert.Equal(["Pilot", "Everyone"], rings);
    }

    [Fact]
    public async Task SupportRequestsFiledOnThreeInstancesAtOnceEachGetTheirOwnNumber()
    {
        var app = Instances[0];
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var admins = OnEveryInstance(admin);

        var filed = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => admins[i % 3].FileAsync()));

        Assert.Equal(24, filed.Select(f => f.Number).Distinct().Count());
        Assert.All(filed, f => Assert.True(SupportRequest.TryParseNumber(f.Number, out var n) && n >= 1001));
    }
}
