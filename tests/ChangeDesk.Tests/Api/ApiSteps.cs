using System.Net.Http.Json;
using System.Text;
using ChangeDesk.Changes;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>The few requests most API tests start from: read a response, draft a change, move it through its lifecycle.</summary>
static class ApiSteps
{
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, int status = 200)
    {
        await Expect.StatusAsync(response, status);
        return (await response.Content.ReadFromJsonAsync<T>(ChangeDeskFactory.Json))!;
    }

    /// <summary>A provider feature update in the managed service, where the provider delivers functionality; no admin action, so no notice applies.</summary>
    public static ChangeInput ProviderFeature(DateTimeOffset start, params Guid[] targets) => new()
    {
        Title = "Simplified support ticket submission",
        Description = "The **IT Admin Portal** gets a shorter support form.",
        Type = "functionality",
        Subtype = "feature-update",
        Scope = "managed-service",
        TargetTenantIds = [.. targets],
        Services = ["IT Admin Portal"],
        PlannedStart = start,
        PlannedEnd = start.AddDays(2),
    };

    /// <summary>A customer's own change in its custom software, which the seed leaves to the customer.</summary>
    public static ChangeInput TenantChange(DateTimeOffset start) => new()
    {
        Title = "Upgrade the claims application",
        Type = "functionality",
        Subtype = "new-feature",
        Scope = "custom-software",
        PlannedStart = start,
    };

    public static async Task<ChangeView> CreateChangeAsync(this TestUser user, ChangeInput input) =>
        await (await user.PostJsonAsync("/api/changes", input)).ReadAsync<ChangeView>(201);

    public static async Task<ChangeView> GetChangeAsync(this TestUser user, int id) =>
        await user.GetJsonAsync<ChangeView>($"/api/changes/{id}");

    /// <summary>Runs lifecycle actions in order, asserting each succeeds; returns the change after the last.</summary>
    public static async Task<ChangeView> ActAsync(this TestUser user, int id, params string[] actions)
    {
        ChangeView? view = null;
        foreach (var action in actions)
        {
            view = await (await user.PostJsonAsync($"/api/changes/{id}/{action}")).ReadAsync<ChangeView>();
        }
        return view ?? await user.GetChangeAsync(id);
    }

    /// <summary>The actions that bring a new draft to the state from which <paramref name="action"/> is allowed.</summary>
    public static string[] PathToAllow(string action) => action switch
    {
        "announce" => [],
        "start" or "cancel" => ["announce"],
        "pause" or "complete" or "rollback" => ["announce", "start"],
        "resume" => ["announce", "start", "pause"],
        "review" => ["announce", "start", "complete"],
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static ChangeState StateAfter(string action) => action switch
    {
        "announce" => ChangeState.Announced,
        "start" or "resume" => ChangeState.InProgress,
        "pause" => ChangeState.Paused,
        "complete" => ChangeState.Completed,
        "review" => ChangeState.Reviewed,
        "cancel" => ChangeState.Cancelled,
        "rollback" => ChangeState.RolledBack,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static Task<HttpResponseMessage> SendAsync(this TestUser user, HttpMethod method, string url, object? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ChangeDeskFactory.Json);
        }
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return user.Client.SendAsync(request);
    }

    /// <summary>A user of the role: customer roles get a tenant of their own unless one is given.</summary>
    public static async Task<TestUser> UserOfRoleAsync(this ChangeDeskFactory app, Role role, Guid? tenantId = null)
    {
        if (role.PartyOf() == Responsibility.Party.Customer)
        {
            tenantId ??= (await app.CreateTenantAsync()).Id;
            return await app.CreateUserAsync(role, tenantId);
        }
        return await app.CreateUserAsync(role);
    }
}
