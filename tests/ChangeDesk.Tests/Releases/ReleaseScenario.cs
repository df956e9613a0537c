using System.Net.Http.Json;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Releases;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChangeDesk.Tests.Releases;

/// <summary>The steps release tests start from: create and start releases, report signals, let the rollout job act.</summary>
public static class ReleaseScenario
{
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, int status = 200)
    {
        await Expect.StatusAsync(response, status);
        return (await response.Content.ReadFromJsonAsync<T>(ChangeDeskFactory.Json))!;
    }

    public static async Task<ReleaseView> CreateReleaseAsync(this TestUser rm, object body) =>
        await (await rm.PostJsonAsync("/api/releases", body)).ReadAsync<ReleaseView>(201);

    /// <summary>An out-of-band release for the given tenants, mitigated and started now.</summary>
    public static async Task<ReleaseView> StartOutOfBandAsync(this TestUser rm, params Guid[] tenants)
    {
        var release = await rm.CreateReleaseAsync(new { title = $"Emergency fix {Guid.NewGuid():n}", kind = "out-of-band", targetTenantIds = tenants });
        await (await rm.PostJsonAsync($"/api/releases/{release.Id}/mitigation", new { description = "Blocked the exploit at the proxy." })).ReadAsync<ReleaseView>();
        return await (await rm.PostJsonAsync($"/api/releases/{release.Id}/start")).ReadAsync<ReleaseView>();
    }

    public static Task<RolloutView> RolloutAsync(this TestUser user, Guid releaseId, Guid? tenantId = null) =>
        user.GetJsonAsync<RolloutView>($"/api/releases/{releaseId}/rollout" + (tenantId is { } t ? $"?tenantId={t}" : ""));

    public static RingView Ring(this RolloutView view, Guid tenant, string ring) =>
        view.Tenants.Single(t => t.TenantId == tenant).Rings.Single(r => r.Name == ring);

    public static Task<HttpResponseMessage> SignalsAsync(this TestUser user, params object[] items) =>
        user.PostJsonAsync("/api/signals", new { items });

    public static async Task<GateView> GateAsync(this TestUser user, Guid release, Guid tenant, string ring) =>
        await user.GetJsonAsync<GateView>($"/api/gates?release={release}&tenant={tenant}&ring={Uri.EscapeDataString(ring)}");

    public static RolloutJob Job(this ChangeDeskFactory app) => app.Services.GetServices<IHostedService>().OfType<RolloutJob>().Single();

    /// <summary>
    /// Runs rollout passes until the condition holds. The job also runs in the background (woken by signals and
    /// actions), and a pass skips a release another pass holds, so a test waits for the outcome, not for one pass.
    /// </summary>
    public static Task SettleAsync(this ChangeDeskFactory app, Func<Task<bool>> condition, string what) =>
        Poll.UntilAsync(async () =>
        {
            await app.Job().RunOnceAsync(TestContext.Current.CancellationToken);
            return await condition();
        }, what: what);

    /// <summary>The Message Center posts of a release, straight from the database.</summary>
    public static Task<List<Message>> ReleasePostsAsync(this ChangeDeskFactory app, Guid releaseId) =>
        app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Messages.AsNoTracking().Include(m => m.Tenants)
            .Where(m => m.ReleaseId == releaseId).OrderBy(m => m.Number).ToListAsync());
}
