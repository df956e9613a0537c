using System.Net.Http.Headers;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>One test per resource: tenant B never sees or changes tenant A's data.</summary>
public sealed class TenantIsolationTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset InAMonth => app.Clock.GetUtcNow().AddDays(30);

    [Fact]
    public async Task AnotherTenantCannotSeeOrChangeATenantsOwnChange()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (_, adminB) = await app.CreateTenantWithAdminAsync();
        var change = await adminA.CreateChangeAsync(ApiSteps.TenantChange(InAMonth) with { Title = $"A's own {Guid.NewGuid():n}" });

        await Expect.ProblemAsync(await adminB.Client.GetAsync($"/api/changes/{change.Id}", TestContext.Current.CancellationToken), 404, "not-found");
        Assert.DoesNotContain((await adminB.GetJsonAsync<ChangePage>("/api/changes?top=500")).Items, c => c.Id == change.Id);
        Assert.Empty((await adminB.GetJsonAsync<ChangePage>($"/api/changes?tenantId={a.Id}")).Items);
        Assert.Empty((await adminB.GetJsonAsync<ChangePage>($"/api/changes?q={Uri.EscapeDataString(change.Title)}")).Items);
        await Expect.ProblemAsync(await adminB.PutJsonAsync($"/api/changes/{change.Id}", ApiSteps.TenantChange(InAMonth) with { Title = "Hijacked" }), 404, "not-found");
        foreach (var action in new[] { "announce", "cancel" })
        {
            await Expect.ProblemAsync(await adminB.PostJsonAsync($"/api/changes/{change.Id}/{action}"), 404, "not-found");
        }
        await Expect.ProblemAsync(await adminB.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description = "x" }), 404, "not-found");

        var unchanged = await adminA.GetChangeAsync(change.Id);
        Assert.Equal((change.Title, ChangeState.Draft, 1, 0), (unchanged.Title, unchanged.State, unchanged.Version, unchanged.Mitigations.Count));
        Assert.Contains((await adminA.GetJsonAsync<ChangePage>("/api/changes?top=500")).Items, c => c.Id == change.Id);
    }

    [Fact]
    public async Task AProviderChangeTargetedAtOneTenantIsInvisibleToAnother()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (_, adminB) = await app.CreateTenantWithAdminAsync();
        var readerB = await app.CreateUserAsync(Role.TenantReader, adminB.TenantId);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id));
        await rm.ActAsync(change.Id, "announce");

        foreach (var b in new[] { adminB, readerB })
        {
            Assert.DoesNotContain((await b.GetJsonAsync<ChangePage>("/api/changes?top=500")).Items, c => c.Id == change.Id);
            await Expect.ProblemAsync(await b.Client.GetAsync($"/api/changes/{change.Id}", TestContext.Current.CancellationToken), 404, "not-found");
        }
        Assert.Contains((await adminA.GetJsonAsync<ChangePage>("/api/changes?top=500")).Items, c => c.Id == change.Id);
        Assert.Equal([a.Id], (await adminA.GetChangeAsync(change.Id)).TargetTenantIds);
    }

    [Fact]
    public async Task ATargetedTenantSeesThatItIsTargetedButNotWhichOtherTenantsAre()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id, b.Id));
        await rm.ActAsync(change.Id, "announce");

        Assert.Equal([a.Id], (await adminA.GetChangeAsync(change.Id)).TargetTenantIds);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), (await rm.GetChangeAsync(change.Id)).TargetTenantIds.Order());
    }

    [Fact]
    public async Task DraftProviderChangesAreInvisibleToTenantsUntilAnnounced()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var targeted = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id));
        var everyone = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth) with { TargetsAllTenants = true });

        foreach (var draft in new[] { targeted, everyone })
        {
            await Expect.ProblemAsync(await adminA.Client.GetAsync($"/api/changes/{draft.Id}", TestContext.Current.CancellationToken), 404, "not-found");
            Assert.DoesNotContain((await adminA.GetJsonAsync<ChangePage>("/api/changes?state=draft&top=500")).Items, c => c.Id == draft.Id);
            await Expect.ProblemAsync(await adminA.Client.GetAsync($"/api/audit?changeId={draft.Id}", TestContext.Current.CancellationToken), 404, "not-found");
        }

        await rm.ActAsync(everyone.Id, "announce");
        Assert.Equal(ChangeState.Announced, (await adminA.GetChangeAsync(everyone.Id)).State);
    }

    [Fact]
    public async Task ATenantSeesOnlyItsOwnAndTheProvidersChecklistTasks()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id, b.Id));
        var full = await rm.ActAsync(change.Id, "announce", "start");

        var seenByB = await adminB.GetChangeAsync(change.Id);

        Assert.Contains(full.Checklist, t => t.TenantId == a.Id);
        Assert.DoesNotContain(seenByB.Checklist, t => t.TenantId == a.Id);
        Assert.Equal(full.Checklist.Where(t => t.TenantId != a.Id).Select(t => t.Id).Order(), seenByB.Checklist.Select(t => t.Id).Order());
        Assert.All(seenByB.Checklist.Where(t => t.Party == Party.Customer), t => Assert.Equal((b.Id, b.Name), (t.TenantId!.Value, t.TenantName)));
        Assert.Contains(seenByB.Checklist, t => t.Party == Party.Provider);
    }

    [Fact]
    public async Task AnotherTenantCannotCompleteATenantsChecklistTask()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id, b.Id));
        var full = await rm.ActAsync(change.Id, "announce");
        var taskOfA = full.Checklist.First(t => t.TenantId == a.Id);
        var taskOfB = full.Checklist.First(t => t.TenantId == b.Id);

        await Expect.ProblemAsync(await adminB.PostJsonAsync($"/api/changes/{change.Id}/checklist/{taskOfA.Id}/complete"), 404, "not-found");
        await Expect.StatusAsync(await adminB.PostJsonAsync($"/api/changes/{change.Id}/checklist/{taskOfB.Id}/complete"), 200);

        var after = await rm.GetChangeAsync(change.Id);
        Assert.Null(after.Checklist.Single(t => t.Id == taskOfA.Id).CompletedAt);
        Assert.Equal(adminB.Email, after.Checklist.Single(t => t.Id == taskOfB.Id).CompletedBy);
        Assert.True((await adminA.GetChangeAsync(change.Id)).Checklist.Single(t => t.Id == taskOfA.Id).CanComplete);
    }

    [Fact]
    public async Task ATenantAdminListsOnlyItsOwnTenantsUsers()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var readerA = await app.CreateUserAsync(Role.TenantReader, a.Id);
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        var seenByB = await adminB.GetJsonAsync<List<UserView>>("/api/users");
        var bAskingForA = await adminB.GetJsonAsync<List<UserView>>($"/api/users?tenantId={a.Id}");

        Assert.Equal([adminB.Id], seenByB.Select(u => u.Id));
        Assert.Empty(bAskingForA);
        var seenByProvider = await pa.GetJsonAsync<List<UserView>>($"/api/users?tenantId={a.Id}");
        Assert.Equal(new[] { adminA.Id, readerA.Id }.Order(), seenByProvider.Select(u => u.Id).Order());
        Assert.Contains((await pa.GetJsonAsync<List<UserView>>("/api/users")).Select(u => u.TenantId), t => t == b.Id);
    }

    [Fact]
    public async Task ATenantSeesOnlyItselfInTheTenantList()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var readerB = await app.CreateUserAsync(Role.TenantReader, b.Id);
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);

        Assert.Equal([b.Id], (await adminB.GetJsonAsync<List<TenantView>>("/api/tenants")).Select(t => t.Id));
        Assert.Equal([b.Id], (await readerB.GetJsonAsync<List<TenantView>>("/api/tenants")).Select(t => t.Id));
        var all = (await pa.GetJsonAsync<List<TenantView>>("/api/tenants")).Select(t => t.Id).ToList();
        Assert.Contains(a.Id, all);
        Assert.Contains(b.Id, all);
    }

    [Fact]
    public async Task ATenantSeesItsOwnEffectiveMatrixEvenWhenAskingForAnothers()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var pa = await app.CreateUserAsync(Role.ProviderAdmin);
        await Expect.StatusAsync(await pa.PutJsonAsync("/api/responsibility-matrix/cells/provide-new-functionality/managed-service",
            new { responsible = "both", tenantId = a.Id }), 200);

        var bAskingForA = await adminB.GetJsonAsync<MatrixView>($"/api/responsibility-matrix?tenantId={a.Id}");
        var bAsCsv = await (await adminB.Client.GetAsync($"/api/responsibility-matrix?tenantId={a.Id}&format=csv", TestContext.Current.CancellationToken))
            .Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var seenByA = await adminA.GetJsonAsync<MatrixView>("/api/responsibility-matrix");

        Assert.Equal((b.Id, b.Name), (bAskingForA.TenantId!.Value, bAskingForA.TenantName));
        Assert.DoesNotContain(bAskingForA.Rows.SelectMany(r => r.Cells), c => c.Source == CellSource.TenantOverride);
        Assert.Equal((Responsible.Provider, CellSource.Default), Cell(bAskingForA));
        Assert.Contains("\r\nProvide new functionality,Provider,Provider,Both,Customer\r\n", bAsCsv);
        Assert.Equal((Responsible.Both, CellSource.TenantOverride), Cell(seenByA));
        Assert.Equal(a.Id, seenByA.TenantId);
    }

    [Fact]
    public async Task AnotherTenantCannotReadATenantsAuditRecords()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var change = await adminA.CreateChangeAsync(ApiSteps.TenantChange(InAMonth));
        await adminA.ActAsync(change.Id, "announce");
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var providerChange = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id));
        await rm.ActAsync(providerChange.Id, "announce");

        await Expect.ProblemAsync(await adminB.Client.GetAsync($"/api/audit?changeId={change.Id}", TestContext.Current.CancellationToken), 404, "not-found");
        await Expect.ProblemAsync(await adminB.Client.GetAsync($"/api/audit?changeId={providerChange.Id}", TestContext.Current.CancellationToken), 404, "not-found");
        await app.ChainAuditAsync();
        var seenByB = await adminB.GetJsonAsync<List<AuditEntryView>>("/api/audit?top=1000");
        var seenByA = await adminA.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={change.Id}");

        Assert.NotEmpty(seenByB);
        Assert.All(seenByB, r => Assert.Equal(b.Id, r.TenantId));
        Assert.DoesNotContain(seenByB, r => r.ChangeId == change.Id || r.ChangeId == providerChange.Id || r.ActorId == adminA.Id);
        Assert.Contains(seenByB, r => r.EntityType == "Tenant" && r.EntityId == b.Id.ToString());
        Assert.Contains(seenByA, r => r.Operation == "Announce change" && r.ActorId == adminA.Id);
        Assert.All(seenByA, r => Assert.Equal(a.Id, r.TenantId));
    }

    [Fact]
    public async Task AnotherTenantCannotSeeOrRevokeATenantsTokens()
    {
        var (_, adminA) = await app.CreateTenantWithAdminAsync();
        var (_, adminB) = await app.CreateTenantWithAdminAsync();
        var tokenOfA = Assert.Single(await adminA.GetJsonAsync<List<TokenView>>("/api/tokens"));
        Assert.Equal(adminA.Token[..10], tokenOfA.Prefix);

        var seenByB = await adminB.GetJsonAsync<List<TokenView>>("/api/tokens");
        var revoke = await adminB.Client.DeleteAsync($"/api/tokens/{tokenOfA.Id}", TestContext.Current.CancellationToken);

        Assert.Equal([adminB.Token[..10]], seenByB.Select(t => t.Prefix));
        await Expect.ProblemAsync(revoke, 404, "not-found");
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminA.Token);
        await Expect.StatusAsync(await client.GetAsync("/api/me", TestContext.Current.CancellationToken), 200);
    }

    [Fact]
    public async Task ATenantsOwnChangeCannotTargetAnotherTenant()
    {
        var (_, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();

        var change = await adminA.CreateChangeAsync(ApiSteps.TenantChange(InAMonth) with { TargetTenantIds = [b.Id], TargetsAllTenants = true });
        await adminA.ActAsync(change.Id, "announce");

        Assert.Empty(change.TargetTenantIds);
        Assert.False(change.TargetsAllTenants);
        await Expect.ProblemAsync(await adminB.Client.GetAsync($"/api/changes/{change.Id}", TestContext.Current.CancellationToken), 404, "not-found");
    }

    static (Responsible, CellSource) Cell(MatrixView view)
    {
        var cell = view.Rows.Single(r => r.Activity == Activity.ProvideNewFunctionality).Cells.Single(c => c.Scope == Scope.ManagedService);
        return (cell.Responsible, cell.Source);
    }
}
