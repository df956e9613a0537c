using System.Net.Http.Json;
using ChangeDesk.Changes;
using ChangeDesk.Tests.Support;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>Hands a TestUser's API token to Kiota's bearer provider, for the test server's host only.</summary>
public sealed class StaticTokenProvider(string token) : IAccessTokenProvider
{
    public AllowedHostsValidator AllowedHostsValidator { get; } = new(["localhost"]);

    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null,
        CancellationToken cancellationToken = default) =>
        Task.FromResult(AllowedHostsValidator.IsUrlHostValid(uri) ? token : "");
}

/// <summary>What a test wants of a change; the defaults give a plain feature update with no admin action.</summary>
public sealed record ChangeSpec
{
    public required string Title { get; init; }
    public string Description { get; init; } = "Turn on the **new** setting.";
    public string Type { get; init; } = "functionality";
    public string? Subtype { get; init; } = "feature-update";
    public string Scope { get; init; } = "managed-service";
    public string[] Services { get; init; } = ["Windows"];
    public bool AdminActionRequired { get; init; }
    public string? AdminAction { get; init; }
    public TimeSpan StartIn { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan? EndIn { get; init; }
    public TimeSpan? ActionRequiredByIn { get; init; }
    public string Severity { get; init; } = "normal";
    public bool IsMajorChange { get; init; }
    public string[] Tags { get; init; } = [];
}

/// <summary>
/// The real Microsoft Graph SDK against the in-memory test server: the SDK's own handler chain
/// (GraphClientFactory's defaults) ends in the TestServer's handler instead of a socket.
/// </summary>
public static class GraphKit
{
    public const string BaseUrl = "http://localhost/graph/v1.0";
    public const string TenantHeader = "X-ChangeDesk-Tenant";

    public static GraphServiceClient Graph(this ChangeDeskFactory app, TestUser user) =>
        Graph(app, new BaseBearerTokenAuthenticationProvider(new StaticTokenProvider(user.Token)));

    public static GraphServiceClient Graph(this ChangeDeskFactory app, IAuthenticationProvider auth)
    {
        var http = GraphClientFactory.Create(GraphClientFactory.CreateDefaultHandlers(), finalHandler: app.Server.CreateHandler());
        return new GraphServiceClient(http, auth, BaseUrl);
    }

    /// <summary>Drafts a provider change for the tenants, announces it, and returns it with its message id.</summary>
    public static async Task<ChangeView> AnnounceAsync(this ChangeDeskFactory app, TestUser author, ChangeSpec spec, params Guid[] tenants)
    {
        var now = app.Clock.GetUtcNow();
        var created = await author.PostJsonAsync("/api/changes", Input(spec, now, tenants));
        await Expect.StatusAsync(created, 201);
        var change = (await created.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
        var announced = await author.PostJsonAsync($"/api/changes/{change.Id}/announce");
        await Expect.StatusAsync(announced, 200);
        change = (await announced.Content.ReadFromJsonAsync<ChangeView>(ChangeDeskFactory.Json))!;
        Assert.NotNull(change.MessageId);
        return change;
    }

    public static object Input(ChangeSpec spec, DateTimeOffset now, Guid[] tenants) => new
    {
        title = spec.Title,
        description = spec.Description,
        type = spec.Type,
        subtype = spec.Subtype,
        scope = spec.Scope,
        targetTenantIds = tenants,
        services = spec.Services,
        adminActionRequired = spec.AdminActionRequired,
        adminAction = spec.AdminAction,
        plannedStart = now + spec.StartIn,
        plannedEnd = spec.EndIn is { } end ? now + end : (DateTimeOffset?)null,
        actionRequiredBy = spec.ActionRequiredByIn is { } by ? now + by : (DateTimeOffset?)null,
        severity = spec.Severity,
        isMajorChange = spec.IsMajorChange,
        tags = spec.Tags,
    };

    /// <summary>Runs a Graph call that must fail and returns the ODataError the SDK raised.</summary>
    public static async Task<ODataError> ODataErrorAsync(Func<Task> call, int status, string code)
    {
        var error = await Assert.ThrowsAsync<ODataError>(call);
        Assert.Equal(status, error.ResponseStatusCode);
        Assert.NotNull(error.Error);
        Assert.Equal(code, error.Error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Error.Message));
        return error;
    }

    public static void Tenant<T>(this RequestConfiguration<T> config, Guid tenant) where T : class, new() =>
        config.Headers.Add(TenantHeader, tenant.ToString());

    public static string? Detail(this ServiceUpdateMessage message, string name) =>
        message.Details?.FirstOrDefault(d => d.Name == name)?.Value;
}
