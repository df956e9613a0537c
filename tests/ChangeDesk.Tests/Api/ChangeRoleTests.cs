using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>Which roles may write which changes. Provider changes target the caller's own tenant, so customers can see them.</summary>
public sealed class ChangeRoleTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset InAMonth => app.Clock.GetUtcNow().AddDays(30);

    async Task<(TestUser User, ChangeView Change, TestUser Owner)> ProviderChangeVisibleToAsync(Role role, params string[] actions)
    {
        var user = await app.UserOfRoleAsync(role);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var target = user.TenantId ?? (await app.CreateTenantAsync()).Id;
        var change = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, target));
        return (user, await rm.ActAsync(change.Id, actions), rm);
    }

    async Task<(TestUser User, ChangeView Change, TestUser Owner)> TenantChangeAsync(Role role, params string[] actions)
    {
        var (tenant, owner) = await app.CreateTenantWithAdminAsync();
        var user = role.PartyOf() == Party.Customer ? await app.CreateUserAsync(role, tenant.Id) : await app.CreateUserAsync(role);
        var change = await owner.CreateChangeAsync(ApiSteps.TenantChange(InAMonth));
        return (user, await owner.ActAsync(change.Id, actions), owner);
    }

    [Theory]
    [MemberData(nameof(RoleCases.Authors), MemberType = typeof(RoleCases))]
    public async Task ReleaseManagersProviderAdminsAndTenantAdminsCanDraftChanges(Role role, bool allowed)
    {
        var user = await app.UserOfRoleAsync(role);
        var target = user.TenantId ?? (await app.CreateTenantAsync()).Id;
        var input = ApiSteps.ProviderFeature(InAMonth, target) with { Scope = "on-premises", Title = $"Drafted by {role}" };

        var response = await user.PostJsonAsync("/api/changes", input);

        await RoleCases.ExpectAllowedAsync(response, allowed, 201);
        if (allowed)
        {
            var change = await response.ReadAsync<ChangeView>(201);
            Assert.Equal(role.PartyOf(), change.OwnerParty);
            Assert.Equal(user.TenantId, change.OwnerTenantId);
            Assert.Equal(ChangeState.Draft, change.State);
        }
        else
        {
            var pa = await app.CreateUserAsync(Role.ProviderAdmin);
            var page = await pa.GetJsonAsync<ChangePage>($"/api/changes?q={Uri.EscapeDataString($"Drafted by {role}")}");
            Assert.Empty(page.Items);
        }
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderChangeWriters), MemberType = typeof(RoleCases))]
    public async Task OnlyReleaseManagersAndProviderAdminsCanEditAProviderChange(Role role, bool allowed)
    {
        var (user, change, rm) = await ProviderChangeVisibleToAsync(role, "announce");
        var input = ApiSteps.ProviderFeature(change.PlannedStart, change.TargetTenantIds.ToArray()) with { Title = "Renamed" };

        var response = await user.PutJsonAsync($"/api/changes/{change.Id}", input);

        await RoleCases.ExpectAllowedAsync(response, allowed);
        Assert.Equal(allowed ? "Renamed" : change.Title, (await rm.GetChangeAsync(change.Id)).Title);
    }

    [Theory]
    [MemberData(nameof(RoleCases.TenantAdmins), MemberType = typeof(RoleCases))]
    public async Task OnlyTheOwningTenantsAdminsCanEditATenantsOwnChange(Role role, bool allowed)
    {
        var (user, change, owner) = await TenantChangeAsync(role);

        var response = await user.PutJsonAsync($"/api/changes/{change.Id}", ApiSteps.TenantChange(change.PlannedStart) with { Title = "Renamed" });

        await RoleCases.ExpectAllowedAsync(response, allowed);
        Assert.Equal(allowed ? "Renamed" : change.Title, (await owner.GetChangeAsync(change.Id)).Title);
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderChangeTransitions), MemberType = typeof(RoleCases))]
    public async Task OnlyReleaseManagersAndProviderAdminsMoveAProviderChangeThroughItsLifecycle(string action, Role role, bool allowed)
    {
        var (user, change, rm) = await ProviderChangeVisibleToAsync(role, ApiSteps.PathToAllow(action));

        var response = await user.PostJsonAsync($"/api/changes/{change.Id}/{action}");

        if (!allowed && role.PartyOf() == Party.Customer && change.State == ChangeState.Draft)
        {
            // Tenants do not see the provider's drafts at all.
            await Expect.ProblemAsync(response, 404, "not-found");
        }
        else
        {
            await RoleCases.ExpectAllowedAsync(response, allowed);
        }
        var after = await rm.GetChangeAsync(change.Id);
        Assert.Equal(allowed ? ApiSteps.StateAfter(action) : change.State, after.State);
    }

    [Theory]
    [MemberData(nameof(RoleCases.TenantChangeTransitions), MemberType = typeof(RoleCases))]
    public async Task OnlyTheOwningTenantsAdminsMoveATenantsOwnChangeThroughItsLifecycle(string action, Role role, bool allowed)
    {
        var (user, change, owner) = await TenantChangeAsync(role, ApiSteps.PathToAllow(action));

        var response = await user.PostJsonAsync($"/api/changes/{change.Id}/{action}");

        await RoleCases.ExpectAllowedAsync(response, allowed);
        Assert.Equal(allowed ? ApiSteps.StateAfter(action) : change.State, (await owner.GetChangeAsync(change.Id)).State);
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderChangeWriters), MemberType = typeof(RoleCases))]
    public async Task OnlyReleaseManagersAndProviderAdminsRecordMitigationsOnAProviderChange(Role role, bool allowed)
    {
        var (user, change, rm) = await ProviderChangeVisibleToAsync(role, "announce");

        var response = await user.PostJsonAsync($"/api/changes/{change.Id}/mitigations",
            new { description = "Blocked the update in the Broad ring", appliedAt = app.Clock.GetUtcNow().AddHours(-1) });

        await RoleCases.ExpectAllowedAsync(response, allowed);
        Assert.Equal(allowed ? 1 : 0, (await rm.GetChangeAsync(change.Id)).Mitigations.Count);
    }

    [Theory]
    [MemberData(nameof(RoleCases.TenantAdmins), MemberType = typeof(RoleCases))]
    public async Task OnlyTheOwningTenantsAdminsRecordMitigationsOnATenantsOwnChange(Role role, bool allowed)
    {
        var (user, change, owner) = await TenantChangeAsync(role);

        var response = await user.PostJsonAsync($"/api/changes/{change.Id}/mitigations", new { description = "Rolled the claims app back to 4.2" });

        await RoleCases.ExpectAllowedAsync(response, allowed);
        Assert.Equal(allowed ? 1 : 0, (await owner.GetChangeAsync(change.Id)).Mitigations.Count);
    }

    [Theory]
    [MemberData(nameof(RoleCases.ProviderStaff), MemberType = typeof(RoleCases))]
    public async Task AnyProviderStaffButNoCustomerCanCompleteTheProvidersChecklistTask(Role role, bool allowed)
    {
        var (user, change, rm) = await ProviderChangeVisibleToAsync(role, "announce");
        var task = change.Checklist.First(t => t.Party == Party.Provider);

        var response = await user.PostJsonAsync($"/api/changes/{change.Id}/checklist/{task.Id}/complete");

        await RoleCases.ExpectAllowedAsync(response, allowed);
        var after = (await rm.GetChangeAsync(change.Id)).Checklist.Single(t => t.Id == task.Id);
        Assert.Equal(allowed ? user.Email : null, after.CompletedBy);
        Assert.Equal(allowed, after.CompletedAt is not null);
    }

    [Theory]
    [MemberData(nameof(RoleCases.TenantAdmins), MemberType = typeof(RoleCases))]
    public async Task OnlyTheTargetedTenantsAdminsCanCompleteTheTenantsChecklistTask(Role role, bool allowed)
    {
        var (user, change, rm) = await ProviderChangeVisibleToAsync(role, "announce");
        var task = change.Checklist.First(t => t.Party == Party.Customer);

        var response = await user.PostJsonAsync($"/api/changes/{change.Id}/checklist/{task.Id}/complete");

        await RoleCases.ExpectAllowedAsync(response, allowed);
        var after = (await rm.GetChangeAsync(change.Id)).Checklist.Single(t => t.Id == task.Id);
        Assert.Equal(allowed ? user.Email : null, after.CompletedBy);
    }

    [Theory]
    [InlineData(Role.ReleaseManager)]
    [InlineData(Role.TenantAdmin)]
    [InlineData(Role.TenantReader)]
    public async Task ReadersOfAChangeSeeNoActionsTheyCannotTake(Role role)
    {
        var (user, change, _) = await ProviderChangeVisibleToAsync(role, "announce");

        var seen = await user.GetChangeAsync(change.Id);

        if (role == Role.ReleaseManager)
        {
            Assert.Equal(new[] { ChangeAction.Start, ChangeAction.Cancel }, seen.AllowedActions);
            Assert.True(seen.CanEdit);
        }
        else
        {
            Assert.Empty(seen.AllowedActions);
            Assert.False(seen.CanEdit);
        }
        Assert.Equal(role == Role.TenantAdmin, seen.Checklist.Any(t => t.CanComplete && t.Party == Party.Customer));
    }
}
