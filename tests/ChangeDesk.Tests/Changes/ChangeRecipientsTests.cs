using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Changes;

/// <summary>Who is told about a change, and that the post, the emails, the approvals and the checklist agree on it.</summary>
public sealed class ChangeRecipientsTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static readonly DateTimeOffset InAMonth = ChangeDeskFactory.Start.AddDays(30);

    Task<IReadOnlyList<Guid>> RecipientsAsync(int changeId) => app.AsSystemAsync(async s =>
    {
        var change = await s.GetRequiredService<ChangeAccess>().LoadAsync(changeId, tracking: false, default);
        return await s.GetRequiredService<ChangeRecipients>().OfAsync(change, default);
    });

    [Fact]
    public async Task TheRecipientOfACustomerOwnedChangeIsItsOwner()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (_, adminB) = await app.CreateTenantWithAdminAsync();
        var draft = await adminA.CreateChangeAsync(ApiSteps.TenantChange(InAMonth) with { Consent = "acknowledge", ActionRequiredBy = InAMonth.AddDays(-1) });

        var announced = await adminA.ActAsync(draft.Id, "announce");

        Assert.Equal([a.Id], await RecipientsAsync(draft.Id));
        // Posted to the owner's Message Center and emailed to its people; no other tenant sees it.
        var post = await adminA.GetJsonAsync<System.Text.Json.JsonElement>($"/api/message-center/messages/{announced.MessageId}");
        Assert.Equal(announced.MessageId, post.GetProperty("message").GetProperty("id").GetString());
        await Expect.StatusAsync(await adminB.Client.GetAsync($"/api/message-center/messages/{announced.MessageId}", TestContext.Current.CancellationToken), 404);
        var emails = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Outbox.AsNoTracking()
            .Where(o => o.ChangeId == draft.Id && o.Channel == Channels.Email).Select(o => o.Recipient).ToListAsync());
        Assert.Equal([adminA.Email], emails);
        // The owner implements it: it is not asked to acknowledge its own change, and owes no recipient's checklist items.
        var approvals = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().ChangeApprovals.CountAsync(x => x.ChangeId == draft.Id));
        Assert.Equal(0, approvals);
        Assert.Equal(["Set expectations for the change"], announced.Checklist.Select(t => t.Text));
    }

    [Fact]
    public async Task TheRecipientsOfAProviderChangeAreItsTargetsOrEveryTenant()
    {
        var (a, _) = await app.CreateTenantWithAdminAsync();
        var (b, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var named = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, a.Id, b.Id));
        var everyone = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth) with { TargetsAllTenants = true });

        var all = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().Tenants.Select(t => t.Id).ToListAsync());
        Assert.Equal(new[] { a.Id, b.Id }.Order(), (await RecipientsAsync(named.Id)).Order());
        Assert.Equal(all.Order(), (await RecipientsAsync(everyone.Id)).Order());

        // The post, the approvals and the checklist of an announced change go to the same tenants.
        var announced = await rm.ActAsync(named.Id, "announce");
        var posted = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().MessageTenants.AsNoTracking()
            .Where(t => t.MessageId == announced.MessageId).Select(t => t.TenantId).ToListAsync());
        Assert.Equal(new[] { a.Id, b.Id }.Order(), posted.Order());
        Assert.Equal(new Guid?[] { a.Id, b.Id }.Order(), announced.Checklist.Where(t => t.TenantId != null).Select(t => t.TenantId).Distinct().Order());
    }
}
