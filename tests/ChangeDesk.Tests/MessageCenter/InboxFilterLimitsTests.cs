using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>The inbox's own filters (service, tag, q) refuse what no column can hold with a problem naming the field, not a 500.</summary>
public sealed class InboxFilterLimitsTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("q=printer%00", "q", "U+0000")]
    [InlineData("service=Windows%00", "service", "U+0000")]
    [InlineData("tag=User%00impact", "tag", "U+0000")]
    public async Task ANulInAnInboxFilterIsAValidationProblemNamingTheField(string query, string field, string named)
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        await app.AnnounceAsync(await app.CreateUserAsync(Role.ReleaseManager), new ChangeSpec { Title = "Printer console" }, tenant.Id);

        foreach (var path in new[] { "/api/message-center/messages", "/api/message-center/messages/export.csv" })
        {
            var problem = await Expect.ProblemAsync(await admin.Client.GetAsync($"{path}?{query}", Ct), 400, "validation");
            Assert.Contains(named, Assert.Single(problem.GetProperty("errors").GetProperty(field).EnumerateArray()).GetString());
        }
    }

    [Fact]
    public async Task AnOverlongSearchIsAValidationProblemNamingTheLimit()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var q = new string('p', MessageCenterApi.MaxFilterTextLength + 1);

        var problem = await Expect.ProblemAsync(await admin.Client.GetAsync($"/api/message-center/messages?q={q}", Ct), 400, "validation");
        Assert.Contains($"at most {MessageCenterApi.MaxFilterTextLength}", problem.GetProperty("errors").GetProperty("q")[0].GetString());

        var fine = await admin.Client.GetAsync($"/api/message-center/messages?q={q[1..]}", Ct);
        await Expect.StatusAsync(fine, 200);
    }
}
