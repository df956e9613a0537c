using System.Collections.Concurrent;
using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Changes;

/// <summary>
/// The service with two handlers more: one records every lifecycle step and raises a follow-up event, whose handler adds
/// a checklist row (and fails for a change titled so).
/// </summary>
public sealed class EventProbeFactory : ChangeDeskFactory
{
    public ConcurrentQueue<string> Handled { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(this);
            services.AddScoped<IDomainEventHandler<ChangeTransitioned>, RecordStep>();
            services.AddScoped<IDomainEventHandler<FollowUp>, AddFollowUpRow>();
        });
    }

    public sealed record FollowUp(Change Change, ChangeAction Action) : DomainEvent<FollowUp>;

    sealed class RecordStep(EventProbeFactory probe) : IDomainEventHandler<ChangeTransitioned>
    {
        public Task HandleAsync(ChangeTransitioned e, CancellationToken ct)
        {
            probe.Handled.Enqueue($"{e.Change.Id}:{e.Action}");
            e.Change.Raise(new FollowUp(e.Change, e.Action));
            return Task.CompletedTask;
        }
    }

    sealed class AddFollowUpRow(EventProbeFactory probe, ChangeDeskDb db) : IDomainEventHandler<FollowUp>
    {
        public Task HandleAsync(FollowUp e, CancellationToken ct)
        {
            probe.Handled.Enqueue($"{e.Change.Id}:{e.Action}:follow-up");
            db.AddBulk([new ChecklistTask { ChangeId = e.Change.Id, Phase = Phase.Before, Party = Party.Provider, Text = $"Follow up on {e.Action}", Ordinal = 100 }]);
            return e.Change.Title.Contains("[fail]", StringComparison.Ordinal)
                ? throw new InvalidOperationException("The follow-up failed.")
                : Task.CompletedTask;
        }
    }
}

public sealed class DomainEventTests(EventProbeFactory app) : IClassFixture<EventProbeFactory>
{
    static readonly DateTimeOffset InAMonth = ChangeDeskFactory.Start.AddDays(30);

    List<string> HandledFor(int changeId) => app.Handled.Where(h => h.StartsWith($"{changeId}:", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task AnEventIsHandledOnceAndTheNextSaveOfTheSameScopeDoesNotHandleItAgain()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var draft = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, tenant.Id));

        await app.AsSystemAsync(async s =>
        {
            var db = s.GetRequiredService<ChangeDeskDb>();
            var change = await db.Changes.Include(c => c.Tasks).Include(c => c.Targets).SingleAsync(c => c.Id == draft.Id);
            change.Announce(app.Clock.GetUtcNow());
            db.AuditOperation = "Announce change";
            await db.SaveChangesAsync();
            change.Touch(app.Clock.GetUtcNow());
            db.AuditOperation = "Edit change";
            await db.SaveChangesAsync();
            return true;
        });

        Assert.Equal([$"{draft.Id}:Announce", $"{draft.Id}:Announce:follow-up"], HandledFor(draft.Id));
        var announced = await rm.GetChangeAsync(draft.Id);
        Assert.Equal((ChangeState.Announced, draft.Version + 2), (announced.State, announced.Version));
        Assert.NotNull(announced.MessageId);
        // The announce's checklist and the follow-up's row, once each.
        Assert.Single(announced.Checklist, t => t.Text == "Follow up on Announce");
        Assert.Single(announced.Checklist, t => t.Text == "Set expectations for the change");
    }

    [Fact]
    public async Task AnEventRaisedByAHandlerIsHandledOnceInTheSameSave()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var draft = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, tenant.Id));

        var started = await rm.ActAsync(draft.Id, "announce", "start");

        Assert.Equal([$"{draft.Id}:Announce", $"{draft.Id}:Announce:follow-up", $"{draft.Id}:Start", $"{draft.Id}:Start:follow-up"], HandledFor(draft.Id));
        Assert.Equal(["Follow up on Announce", "Follow up on Start"], started.Checklist.Where(t => t.Text.StartsWith("Follow up", StringComparison.Ordinal)).Select(t => t.Text).Order());
        // The follow-up's row is audited by the save of the step that raised it.
        var audit = await app.AsSystemAsync(s => s.GetRequiredService<ChangeDeskDb>().AuditRecords.AsNoTracking()
            .Where(r => r.ChangeId == draft.Id && r.EntityType == nameof(ChecklistTask) && r.After!.Contains("Follow up on Start")).Select(r => r.Operation).ToListAsync());
        Assert.Equal(["Start change"], audit);
    }

    [Fact]
    public async Task AFailingHandlerLeavesNothingOfTheSaveBehind()
    {
        var (tenant, _) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var draft = await rm.CreateChangeAsync(ApiSteps.ProviderFeature(InAMonth, tenant.Id) with { Title = "Settings move [fail]" });

        var response = await rm.PostJsonAsync($"/api/changes/{draft.Id}/announce");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal([$"{draft.Id}:Announce", $"{draft.Id}:Announce:follow-up"], HandledFor(draft.Id));
        var after = await rm.GetChangeAsync(draft.Id);
        Assert.Equal((ChangeState.Draft, draft.Version, (string?)null), (after.State, after.Version, after.MessageId));
        Assert.Empty(after.Checklist);
        var written = await app.AsSystemAsync(async s =>
        {
            var db = s.GetRequiredService<ChangeDeskDb>();
            return (await db.Messages.CountAsync(m => m.ChangeId == draft.Id), await db.Outbox.CountAsync(o => o.ChangeId == draft.Id),
                await db.AuditRecords.CountAsync(r => r.ChangeId == draft.Id && r.Operation == "Announce change"));
        });
        Assert.Equal((0, 0, 0), written);
    }
}
