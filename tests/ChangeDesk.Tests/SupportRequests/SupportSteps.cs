using System.Text.Json;
using ChangeDesk.Changes;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.SupportRequests;

/// <summary>The requests support tests are made of: file, read, comment, act, assign.</summary>
static class SupportSteps
{
    public static object Body(string severity = "c", int? changeId = null, Guid? releaseId = null, string? title = null, int affectedUsers = 25) => new
    {
        title = title ?? $"Printing fails {Guid.NewGuid():n}"[..30],
        description = "Since the update, print jobs **fail** on every branch printer.",
        severity,
        affectedUsers,
        changeId,
        releaseId,
    };

    public static async Task<SupportRequestView> FileAsync(this TestUser admin, object body) =>
        await (await admin.PostJsonAsync("/api/support-requests", body)).ReadAsync<SupportRequestView>(201);

    public static Task<SupportRequestView> FileAsync(this TestUser admin, string severity = "c", int? changeId = null, Guid? releaseId = null, string? title = null) =>
        admin.FileAsync(Body(severity, changeId, releaseId, title));

    public static Task<SupportRequestView> RequestAsync(this TestUser user, string number) =>
        user.GetJsonAsync<SupportRequestView>($"/api/support-requests/{number}");

    public static Task<SupportRequestPage> QueueAsync(this TestUser user, string query = "") =>
        user.GetJsonAsync<SupportRequestPage>($"/api/support-requests?top=500&{query}");

    public static Task<HttpResponseMessage> PostCommentAsync(this TestUser user, string number, string body, bool isInternal = false) =>
        user.PostJsonAsync($"/api/support-requests/{number}/comments", new { body, @internal = isInternal });

    public static async Task<SupportRequestView> CommentAsync(this TestUser user, string number, string body, bool isInternal = false) =>
        await (await user.PostCommentAsync(number, body, isInternal)).ReadAsync<SupportRequestView>(201);

    public static Task<HttpResponseMessage> PostActionAsync(this TestUser user, string number, string action, string? comment = null) =>
        user.PostJsonAsync($"/api/support-requests/{number}/{action}", new { comment });

    public static async Task<SupportRequestView> ActAsync(this TestUser user, string number, string action, string? comment = null) =>
        await (await user.PostActionAsync(number, action, comment)).ReadAsync<SupportRequestView>();

    public static async Task<SupportRequestView> AssignAsync(this TestUser engineer, string number, Guid? assigneeId) =>
        await (await engineer.PostJsonAsync($"/api/support-requests/{number}/assign", new { assigneeId })).ReadAsync<SupportRequestView>();

    /// <summary>A provider change announced to the given tenants, for requests to link to.</summary>
    public static async Task<ChangeView> AnnouncedChangeAsync(this ChangeDeskFactory app, params Guid[] tenants)
    {
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await release.CreateChangeAsync(ApiSteps.ProviderFeature(app.Clock.GetUtcNow().AddDays(1), tenants));
        return await release.ActAsync(change.Id, "announce");
    }

    /// <summary>Asserts a 400 validation problem that names exactly these fields.</summary>
    public static async Task<JsonElement> ValidationProblemAsync(HttpResponseMessage response, params string[] fields)
    {
        var problem = await Expect.ProblemAsync(response, 400, "validation");
        Assert.True(problem.TryGetProperty("errors", out var errors), $"The problem should name the fields: {problem}");
        Assert.Equal(fields.Order(), errors.EnumerateObject().Select(p => p.Name).Order());
        return problem;
    }
}
