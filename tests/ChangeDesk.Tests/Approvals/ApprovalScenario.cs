using System.Net.Http.Json;
using System.Text.Json;
using ChangeDesk.Approvals;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Approvals;

/// <summary>Shared steps of the approval tests: announce a change that asks for consent, read boards, outbox and audit.</summary>
public static class ApprovalScenario
{
    /// <summary>Drafts and announces a provider change asking the tenants to acknowledge or approve by <paramref name="deadline"/>.</summary>
    public static async Task<ChangeView> AnnounceAsync(
        TestUser author, string consent, DateTimeOffset deadline, DateTimeOffset plannedStart, string? title = null, params Guid[] tenants)
    {
        var created = await author.PostJsonAsync("/api/changes", new
        {
            title = title ?? $"Approval test {Guid.NewGuid():n}",
            description = "A change that asks tenants for their consent.",
            type = "functionality",
            subtype = "new-feature",
            scope = "managed-service",
            targetTenantIds = tenants,
            services = new[] { "Windows" },
            consent,
            actionRequiredBy = deadline,
            plannedStart,
        });
        await Expect.StatusAsync(created, 201);
        var change = (await created.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
        var announced = await author.PostJsonAsync($"/api/changes/{change.Id}/announce");
        await Expect.StatusAsync(announced, 200);
        return (await announced.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
    }

    /// <summary>Edits an announced change's targets, consent or deadline, keeping the rest as it is.</summary>
    public static async Task EditAsync(TestUser author, ChangeView change, IEnumerable<Guid>? targets = null, string consent = "approve", DateTimeOffset? deadline = null)
    {
        var edited = await author.PutJsonAsync($"/api/changes/{change.Id}", new
        {
            title = change.Title,
            description = change.Description,
            type = change.Type,
            subtype = change.Subtype,
            scope = change.Scope,
            targetTenantIds = targets ?? change.TargetTenantIds,
            services = change.Services,
            consent,
            actionRequiredBy = consent == "none" ? null : deadline ?? change.ActionRequiredBy,
            plannedStart = change.PlannedStart,
        });
        await Expect.StatusAsync(edited, 200);
    }

    public static Task<ApprovalBoard> BoardAsync(TestUser user, int changeId) =>
        user.GetJsonAsync<ApprovalBoard>($"/api/changes/{changeId}/approvals");

    public static Task<HttpResponseMessage> DecideAsync(TestUser user, int changeId, string decision, string? reason = null) =>
        user.PostJsonAsync($"/api/changes/{changeId}/approvals", new { decision, reason });

    public static async Task<ApprovalView> DecideOkAsync(TestUser user, int changeId, string decision, string? reason = null)
    {
        var response = await DecideAsync(user, changeId, decision, reason);
        await Expect.StatusAsync(response, 200);
        return (await response.Content.ReadFromJsonAsync<ApprovalView>(ChangeDeskFactory.Json))!;
    }

    /// <summary>The outbox's email rows of one change and event type, as a provider admin sees them.</summary>
    public static async Task<List<OutboxView>> EmailsAsync(TestUser providerAdmin, int changeId, string eventType)
    {
        var all = await providerAdmin.GetJsonAsync<List<OutboxView>>("/api/outbox?state=all&channel=email&top=1000");
        return all.Where(o => o.ChangeId == changeId && o.EventType == eventType).ToList();
    }

    public static async Task<List<AuditEntryView>> AuditAsync(TestUser user, int changeId) =>
        await user.GetJsonAsync<List<AuditEntryView>>($"/api/audit?changeId={changeId}&top=1000");

    /// <summary>Asserts a 400 validation problem that names <paramref name="field"/>.</summary>
    public static async Task<JsonElement> ValidationProblemAsync(HttpResponseMessage response, string field)
    {
        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
            $"The problem should name the field '{field}': {problem}");
        return problem;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Func<Task>? betweenTries = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
            if (betweenTries is not null)
            {
                await betweenTries();
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
