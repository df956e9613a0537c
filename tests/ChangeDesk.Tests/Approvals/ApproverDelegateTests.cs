using ChangeDesk.Approvals;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using static ChangeDesk.Tests.Approvals.ApprovalScenario;

namespace ChangeDesk.Tests.Approvals;

public sealed class ApproverDelegateTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset Now => app.Clock.GetUtcNow();

    static string ApproversUrl(Guid tenant) => $"/api/tenants/{tenant}/approvers";

    [Fact]
    public async Task NamedApproverAnswersAndTheDelegateOnlyWhileTheApproverIsAway()
    {
        var (tenant, x) = await app.CreateTenantWithAdminAsync();
        var y = await app.CreateUserAsync(Role.TenantAdmin, tenant.Id);
        var z = await app.CreateUserAsync(Role.TenantAdmin, tenant.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);

        var named = await x.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = x.Email, delegateEmail = y.Email });
        await Expect.StatusAsync(named, 200);
        var approvers = await x.GetJsonAsync<List<ApproverView>>(ApproversUrl(tenant.Id));
        var entry = Assert.Single(approvers);
        Assert.Equal(x.Id, entry.UserId);
        Assert.Equal(y.Id, entry.DelegateUserId);
        Assert.Null(entry.AwayFrom);

        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, tenant.Id);

        // An admin who is neither the approver nor an acting delegate may not answer.
        await Expect.ProblemAsync(await DecideAsync(z, change.Id, "approve"), 403, "forbidden");
        Assert.False(Assert.Single((await BoardAsync(z, change.Id)).Tenants).CanDecide);
        // The delegate may not answer while the approver is present...
        await Expect.ProblemAsync(await DecideAsync(y, change.Id, "approve"), 403, "forbidden");
        Assert.False(Assert.Single((await BoardAsync(y, change.Id)).Tenants).CanDecide);
        Assert.True(Assert.Single((await BoardAsync(x, change.Id)).Tenants).CanDecide);

        // ...nor before an absence that has not started yet.
        await Expect.StatusAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id),
            new { approverEmail = x.Email, delegateEmail = y.Email, awayFrom = Now.AddDays(1), awayUntil = Now.AddDays(3) }), 200);
        await Expect.ProblemAsync(await DecideAsync(y, change.Id, "approve"), 403, "forbidden");
        Assert.Equal(ApprovalState.Pending, Assert.Single((await BoardAsync(rm, change.Id)).Tenants).State);

        // X is away now: Y answers for X, Z still cannot.
        await Expect.StatusAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id),
            new { approverEmail = x.Email, delegateEmail = y.Email, awayFrom = Now.AddHours(-1), awayUntil = Now.AddDays(3) }), 200);
        var xName = Assert.Single(await x.GetJsonAsync<List<ApproverView>>(ApproversUrl(tenant.Id))).Name;
        await Expect.ProblemAsync(await DecideAsync(z, change.Id, "approve"), 403, "forbidden");
        Assert.True(Assert.Single((await BoardAsync(y, change.Id)).Tenants).CanDecide);

        var answer = await DecideOkAsync(y, change.Id, "approve");
        Assert.Equal(ApprovalState.Approved, answer.State);

        var row = Assert.Single((await BoardAsync(rm, change.Id)).Tenants);
        Assert.Equal(ApprovalState.Approved, row.State);
        Assert.Equal(y.Email, row.DecidedBy);
        Assert.Equal(xName, row.OnBehalfOf);
        Assert.Equal("ready", (await BoardAsync(rm, change.Id)).ProviderState);

        var audit = await AuditAsync(rm, change.Id);
        var decision = Assert.Single(audit, r => r.EntityType == nameof(ChangeApproval) && r.Action == "updated");
        Assert.Equal(y.Id, decision.ActorId);
        Assert.Equal(y.Email, decision.Actor);
        Assert.Equal($"approved change as delegate of {xName}", decision.Operation);

        // The provider is told who answered and for whom.
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);
        Assert.Contains(await EmailsAsync(admin, change.Id, "approval.decided"), e => e.Recipient == rm.Email);
    }

    [Fact]
    public async Task TheApproverAnswersEvenWhileAwayAndTheDelegateStopsWhenTheAbsenceEnds()
    {
        var (tenant, x) = await app.CreateTenantWithAdminAsync();
        var y = await app.CreateUserAsync(Role.TenantAdmin, tenant.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        // The absence ended an hour ago.
        await Expect.StatusAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id),
            new { approverEmail = x.Email, delegateEmail = y.Email, awayFrom = Now.AddDays(-3), awayUntil = Now.AddHours(-1) }), 200);
        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, tenant.Id);
        await Expect.ProblemAsync(await DecideAsync(y, change.Id, "approve"), 403, "forbidden");

        // Away with no end: the approver may still answer personally.
        await Expect.StatusAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id),
            new { approverEmail = x.Email, delegateEmail = y.Email, awayFrom = Now.AddHours(-1) }), 200);
        var own = await DecideOkAsync(x, change.Id, "decline", "Not in our freeze window.");
        Assert.Equal(ApprovalState.Declined, own.State);
        Assert.Null(own.OnBehalfOf);
        Assert.Equal(x.Email, own.DecidedBy);
    }

    [Fact]
    public async Task ApproversAreManagedByTheTenantsOwnAdminsOnly()
    {
        var (tenant, x) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        var (_, otherAdmin) = await app.CreateTenantWithAdminAsync();

        await Expect.ProblemAsync(await otherAdmin.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = x.Email }), 403, "forbidden");
        await Expect.ProblemAsync(await reader.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = x.Email }), 403, "forbidden");
        Assert.Equal(403, (int)(await otherAdmin.Client.GetAsync(ApproversUrl(tenant.Id), TestContext.Current.CancellationToken)).StatusCode);

        // Approver and delegate must be admins of this tenant, and different people.
        await ValidationProblemAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = reader.Email }), "approverEmail");
        await ValidationProblemAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = otherAdmin.Email }), "approverEmail");
        await ValidationProblemAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = x.Email, delegateEmail = otherAdmin.Email }), "delegateEmail");
        await ValidationProblemAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = x.Email, delegateEmail = x.Email }), "delegateEmail");
        await ValidationProblemAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id),
            new { approverEmail = x.Email, awayFrom = Now.AddDays(2), awayUntil = Now.AddDays(1) }), "awayUntil");
        Assert.Empty(await x.GetJsonAsync<List<ApproverView>>(ApproversUrl(tenant.Id)));

        await Expect.StatusAsync(await x.PutJsonAsync(ApproversUrl(tenant.Id), new { approverEmail = x.Email }), 200);
        await Expect.StatusAsync(await otherAdmin.Client.DeleteAsync($"{ApproversUrl(tenant.Id)}/{x.Id}", TestContext.Current.CancellationToken), 403);
        Assert.Single(await x.GetJsonAsync<List<ApproverView>>(ApproversUrl(tenant.Id)));
        await Expect.StatusAsync(await x.Client.DeleteAsync($"{ApproversUrl(tenant.Id)}/{x.Id}", TestContext.Current.CancellationToken), 204);
        Assert.Empty(await x.GetJsonAsync<List<ApproverView>>(ApproversUrl(tenant.Id)));
    }
}
