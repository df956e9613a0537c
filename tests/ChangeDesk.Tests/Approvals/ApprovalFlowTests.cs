using System.Net.Http.Json;
using ChangeDesk.Approvals;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using static ChangeDesk.Tests.Approvals.ApprovalScenario;

namespace ChangeDesk.Tests.Approvals;

public sealed class ApprovalFlowTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset Now => app.Clock.GetUtcNow();

    [Fact]
    public async Task ApprovalsGateTheStartUntilEveryTenantHasApproved()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, a.Id, b.Id);

        var board = await BoardAsync(rm, change.Id);
        Assert.Equal(Consent.Approve, board.Kind);
        Assert.Equal("waiting-on-customers", board.ProviderState);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), board.Tenants.Select(t => t.TenantId).Order());
        Assert.All(board.Tenants, t =>
        {
            Assert.Equal(ApprovalState.Pending, t.State);
            Assert.Equal(change.ActionRequiredBy, t.Deadline);
            Assert.False(t.CanDecide); // the provider never answers for a tenant
        });

        var approved = await DecideOkAsync(adminA, change.Id, "approve");
        Assert.Equal(ApprovalState.Approved, approved.State);
        Assert.Equal(adminA.Email, approved.DecidedBy);
        Assert.Equal("waiting-on-customers", (await BoardAsync(rm, change.Id)).ProviderState);

        await ValidationProblemAsync(await DecideAsync(adminB, change.Id, "decline"), "reason");
        await ValidationProblemAsync(await DecideAsync(adminB, change.Id, "decline", "   "), "reason");
        Assert.Equal(ApprovalState.Pending, (await BoardAsync(rm, change.Id)).Tenants.Single(t => t.TenantId == b.Id).State);

        const string reason = "Our payroll run is that week; please move it.";
        var declined = await DecideOkAsync(adminB, change.Id, "decline", reason);
        Assert.Equal(ApprovalState.Declined, declined.State);

        board = await BoardAsync(rm, change.Id);
        Assert.Equal("blocked-by-decline", board.ProviderState);
        var rowB = board.Tenants.Single(t => t.TenantId == b.Id);
        Assert.Equal(ApprovalState.Declined, rowB.State);
        Assert.Equal(reason, rowB.Reason);
        Assert.Equal(adminB.Email, rowB.DecidedBy);
        Assert.Equal(ApprovalState.Approved, board.Tenants.Single(t => t.TenantId == a.Id).State);

        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/start"), 409, "approval-pending");
        var heldBy = refused.GetProperty("heldBy").EnumerateArray().ToList();
        var holder = Assert.Single(heldBy);
        Assert.Equal(b.Id, holder.GetProperty("tenantId").GetGuid());
        Assert.Equal(b.Name, holder.GetProperty("tenant").GetString());
        Assert.Equal("declined", holder.GetProperty("state").GetString());
        Assert.Equal(reason, holder.GetProperty("reason").GetString());
        Assert.Contains(b.Name, refused.GetProperty("detail").GetString());
        Assert.DoesNotContain(a.Name, refused.GetProperty("detail").GetString());
        Assert.Equal(ChangeState.Announced, (await rm.GetJsonAsync<ChangeView>($"/api/changes/{change.Id}")).State);

        var changedMind = await DecideOkAsync(adminB, change.Id, "approve");
        Assert.Equal(ApprovalState.Approved, changedMind.State);
        Assert.Null(changedMind.Reason);
        Assert.Equal("ready", (await BoardAsync(rm, change.Id)).ProviderState);

        var started = await rm.PostJsonAsync($"/api/changes/{change.Id}/start");
        await Expect.StatusAsync(started, 200);
        Assert.Equal(ChangeState.InProgress, (await started.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json, TestContext.Current.CancellationToken))!.State);

        // Once the change runs, answers are closed.
        await Expect.ProblemAsync(await DecideAsync(adminB, change.Id, "decline", "too late"), 409, "approval-closed");
    }

    [Fact]
    public async Task StartIsHeldByEveryTenantThatHasNotApprovedYet()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, a.Id, b.Id);

        var refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/start"), 409, "approval-pending");
        var held = refused.GetProperty("heldBy").EnumerateArray().Select(h => (h.GetProperty("tenantId").GetGuid(), h.GetProperty("state").GetString()!)).ToList();
        Assert.Equal(new[] { (a.Id, "pending"), (b.Id, "pending") }.OrderBy(h => h.Item1), held.OrderBy(h => h.Item1));

        await DecideOkAsync(adminB, change.Id, "approve");
        refused = await Expect.ProblemAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/start"), 409, "approval-pending");
        Assert.Equal(a.Id, Assert.Single(refused.GetProperty("heldBy").EnumerateArray()).GetProperty("tenantId").GetGuid());
    }

    [Fact]
    public async Task ApprovingCompletesOnlyThatTenantsApproveTaskAndDecisionsAreAudited()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, a.Id, b.Id);

        TaskView ApproveTask(ChangeView c, Guid tenant) => c.Checklist.Single(t => t.TenantId == tenant && t.Text == "Approve the change");
        var before = await rm.GetJsonAsync<ChangeView>($"/api/changes/{change.Id}");
        Assert.Null(ApproveTask(before, a.Id).CompletedAt);
        Assert.Null(ApproveTask(before, b.Id).CompletedAt);

        await DecideOkAsync(adminA, change.Id, "approve", "Tested on our pilot devices.");
        await DecideOkAsync(adminB, change.Id, "decline", "Conflicts with our audit.");

        var after = await rm.GetJsonAsync<ChangeView>($"/api/changes/{change.Id}");
        var taskA = ApproveTask(after, a.Id);
        Assert.Equal(Now, taskA.CompletedAt);
        Assert.Equal(adminA.Email, taskA.CompletedBy);
        Assert.Null(ApproveTask(after, b.Id).CompletedAt); // a decline does not tick the task
        // The tenant sees its own task done too.
        Assert.NotNull(ApproveTask(await adminA.GetJsonAsync<ChangeView>($"/api/changes/{change.Id}"), a.Id).CompletedAt);

        var audit = await AuditAsync(rm, change.Id);
        var decisions = audit.Where(r => r.EntityType == nameof(ChangeApproval) && r.Action == "updated").ToList();
        var byA = Assert.Single(decisions, r => r.TenantId == a.Id);
        Assert.Equal(adminA.Id, byA.ActorId);
        Assert.Equal("approved change", byA.Operation);
        Assert.NotNull(byA.Before);
        Assert.Contains("Tested on our pilot devices.", byA.After);
        var byB = Assert.Single(decisions, r => r.TenantId == b.Id);
        Assert.Equal(adminB.Id, byB.ActorId);
        Assert.Equal("declined change", byB.Operation);
        Assert.Contains("Conflicts with our audit.", byB.After);
        Assert.Contains(audit, r => r.EntityType == "ChecklistTask" && r.ActorId == adminA.Id && r.Operation == "approved change");
        // A tenant reads its own decisions in the change's timeline, never another tenant's.
        var seenByA = await AuditAsync(adminA, change.Id);
        Assert.Contains(seenByA, r => r.EntityType == nameof(ChangeApproval) && r.ActorId == adminA.Id);
        Assert.DoesNotContain(seenByA, r => r.TenantId == b.Id);

        // The provider's release managers hear of each decision by email.
        var admin = await app.CreateUserAsync(Role.ProviderAdmin);
        var decided = await EmailsAsync(admin, change.Id, "approval.decided");
        Assert.Contains(decided, e => e.Recipient == rm.Email && e.Subject!.Contains($"{b.Name} declined"));
        Assert.Contains(decided, e => e.Recipient == rm.Email && e.Subject!.Contains($"{a.Name} approved"));
        Assert.DoesNotContain(decided, e => e.Recipient == adminA.Email || e.Recipient == adminB.Email);
    }

    [Fact]
    public async Task OnlyTheTargetedTenantsAdminsAnswerForTheirOwnTenant()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var (_, outsider) = await app.CreateTenantWithAdminAsync();
        var readerA = await app.CreateUserAsync(Role.TenantReader, a.Id);
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, a.Id, b.Id);

        // A tenant that is not targeted cannot answer, nor see the board.
        var outsiderAnswer = await DecideAsync(outsider, change.Id, "approve");
        Assert.Contains((int)outsiderAnswer.StatusCode, new[] { 403, 404 });
        Assert.Contains((int)(await outsider.Client.GetAsync($"/api/changes/{change.Id}/approvals", TestContext.Current.CancellationToken)).StatusCode, new[] { 403, 404 });

        // A reader reads only.
        await Expect.ProblemAsync(await DecideAsync(readerA, change.Id, "approve"), 403, "forbidden");
        Assert.False(Assert.Single((await BoardAsync(readerA, change.Id)).Tenants).CanDecide);

        // Provider staff cannot answer on a tenant's behalf.
        await Expect.ProblemAsync(await DecideAsync(rm, change.Id, "approve"), 403, "forbidden");

        // A's admin answers for A only, and sees only A's row.
        var boardA = await BoardAsync(adminA, change.Id);
        var own = Assert.Single(boardA.Tenants);
        Assert.Equal(a.Id, own.TenantId);
        Assert.True(own.CanDecide);
        await DecideOkAsync(adminA, change.Id, "approve");

        var board = await BoardAsync(rm, change.Id);
        Assert.Equal(ApprovalState.Approved, board.Tenants.Single(t => t.TenantId == a.Id).State);
        Assert.Equal(ApprovalState.Pending, board.Tenants.Single(t => t.TenantId == b.Id).State);
        Assert.Equal(2, board.Tenants.Count);
    }

    [Fact]
    public async Task AnAcknowledgeChangeTakesAcknowledgeAndRefusesApprove()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await AnnounceAsync(rm, "acknowledge", Now.AddDays(5), Now.AddDays(7), null, a.Id);

        var board = await BoardAsync(rm, change.Id);
        Assert.Equal(Consent.Acknowledge, board.Kind);
        Assert.Equal("waiting-on-customers", board.ProviderState);

        await ValidationProblemAsync(await DecideAsync(adminA, change.Id, "approve"), "decision");
        await ValidationProblemAsync(await DecideAsync(adminA, change.Id, "decline", "no"), "decision");
        await ValidationProblemAsync(await DecideAsync(adminA, change.Id, "maybe"), "decision");
        Assert.Equal(ApprovalState.Pending, Assert.Single((await BoardAsync(rm, change.Id)).Tenants).State);

        var acknowledged = await DecideOkAsync(adminA, change.Id, "acknowledge");
        Assert.Equal(ApprovalState.Acknowledged, acknowledged.State);
        Assert.Equal("ready", (await BoardAsync(rm, change.Id)).ProviderState);
        var task = (await rm.GetJsonAsync<ChangeView>($"/api/changes/{change.Id}")).Checklist.Single(t => t.TenantId == a.Id && t.Text == "Acknowledge the change");
        Assert.NotNull(task.CompletedAt);

        // And an approval change does not take "acknowledge".
        var approval = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, a.Id);
        await ValidationProblemAsync(await DecideAsync(adminA, approval.Id, "acknowledge"), "decision");
    }

    [Fact]
    public async Task AChangeThatAsksNothingHasNoApprovalsAndStartsFreely()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var created = await rm.PostJsonAsync("/api/changes", new
        {
            title = $"No consent {Guid.NewGuid():n}",
            type = "functionality",
            subtype = "new-feature",
            scope = "managed-service",
            targetTenantIds = new[] { a.Id },
            plannedStart = Now.AddDays(7),
        });
        await Expect.StatusAsync(created, 201);
        var change = (await created.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json, TestContext.Current.CancellationToken))!;
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/announce"), 200);

        var board = await BoardAsync(rm, change.Id);
        Assert.Equal("not-required", board.ProviderState);
        Assert.Empty(board.Tenants);
        await Expect.ProblemAsync(await DecideAsync(adminA, change.Id, "approve"), 404, "not-found");
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/start"), 200);
    }

    [Fact]
    public async Task ATenantTakenOffTheChangeNoLongerHoldsItBack()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, a.Id, b.Id);
        await DecideOkAsync(adminA, change.Id, "approve");

        await EditAsync(rm, change, targets: [a.Id]);

        var board = await BoardAsync(rm, change.Id);
        Assert.Equal(a.Id, Assert.Single(board.Tenants).TenantId);
        Assert.Equal("ready", board.ProviderState);
        Assert.DoesNotContain(await adminB.GetJsonAsync<List<ApprovalView>>("/api/approvals/pending"), p => p.ChangeId == change.Id);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/start"), 200);
    }

    [Fact]
    public async Task AChangeThatNoLongerAsksForApprovalDropsItsRequests()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await AnnounceAsync(rm, "approve", Now.AddDays(5), Now.AddDays(7), null, a.Id);

        await EditAsync(rm, change, consent: "none");

        var board = await BoardAsync(rm, change.Id);
        Assert.Equal("not-required", board.ProviderState);
        Assert.Empty(board.Tenants);
        Assert.DoesNotContain(await adminA.GetJsonAsync<List<ApprovalView>>("/api/approvals/pending"), p => p.ChangeId == change.Id);
        await Expect.StatusAsync(await rm.PostJsonAsync($"/api/changes/{change.Id}/start"), 200);
    }
}
