using System.Text.Json;
using ChangeDesk.Data;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Api;

/// <summary>
/// Writes that check and then insert answer as docs/notifications.md says when they arrive together: one row, and
/// every other request either shares it or is told it exists, never a 500 from a unique key.
/// </summary>
public sealed class ConcurrentFirstSaveTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    [Fact]
    public async Task TenAddsOfTheSameExtraAddressAtOnceStoreItOnceAndTellTheOthersItExists()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var body = new { mode = (string?)null, categories = Array.Empty<string>(), severities = Array.Empty<string>(), services = Array.Empty<string>(), email = "desk@example.test" };

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => admin.PostJsonAsync("/api/notifications/addresses", body)));

        Assert.Equal(1, responses.Count(r => (int)r.StatusCode == 201));
        foreach (var refused in responses.Where(r => (int)r.StatusCode != 201))
        {
            await Expect.ProblemAsync(refused, 409, "duplicate-address");
        }
        Assert.Single(await admin.GetJsonAsync<JsonElement[]>("/api/notifications/addresses"));
        Assert.Equal(1, await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().NotificationPreferences.IgnoreQueryFilters()
            .CountAsync(p => p.TenantId == tenant.Id && p.Email == "desk@example.test")));
    }

    [Fact]
    public async Task TenFirstSavesOfTheDigestSettingsAtOnceAllSucceedAndLeaveOneRow()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            admin.PutJsonAsync("/api/notifications/tenant-settings", new { timeZone = "Europe/Paris", digestTime = $"0{i}:00", weeklyDigestDay = "monday" })));

        foreach (var response in responses)
        {
            await Expect.StatusAsync(response, 200);
        }
        Assert.Equal(1, await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().TenantNotificationSettings.IgnoreQueryFilters()
            .CountAsync(t => t.TenantId == tenant.Id)));
        var stored = await admin.GetJsonAsync<JsonElement>("/api/notifications/tenant-settings");
        Assert.Equal("Europe/Paris", stored.GetProperty("timeZone").GetString());
    }
}
