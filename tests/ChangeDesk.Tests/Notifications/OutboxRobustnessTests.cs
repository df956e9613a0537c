using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ChangeDesk.Tests.Notifications;

/// <summary>Rows that cannot be sent, and retries at the wrong moment, must not cost other mail or send mail twice.</summary>
public sealed class OutboxRobustnessTests(SmtpFixture app) : IClassFixture<SmtpFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        app.Sink.Hold = false;
        app.Sink.ReleaseHeld();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task AnAddressThatCannotBeMailedIsDeadLetteredAndDoesNotHoldUpOtherMail()
    {
        var provider = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(1);
        // Accounts only ask for an "@": a typo like this one is a user the service has to live with.
        var broken = $"broken-{Guid.NewGuid():n}@";
        await app.AsSystemAsync(s => s.GetRequiredService<Accounts>().CreateUserAsync(broken, "Broken", Role.TenantReader.Name(), tenant.Tenant.Id, "correct-horse-battery"));

        await release.AnnounceAsync(app.Spec(tenant));

        var dead = await Poll.ForAsync(() => provider.OutboxAsync([broken], "dead"), rows => rows.Count == 1, what: "the unmailable row to be a dead letter");
        Assert.False(string.IsNullOrWhiteSpace(dead[0].LastError));
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(tenant.Emails).Count == 1, what: "the admin's email");

        // Long after any lease, later mail still flows.
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        var later = await app.TenantAsync(2);
        await release.AnnounceAsync(app.Spec(later));
        var rows = await app.SettledRowsAsync(later.Emails, 2);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(later.Emails).Count == 2, what: "the later tenant's emails");
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, rows);
        Assert.Single(await provider.OutboxAsync([broken], "dead"));
    }

    [Fact]
    public async Task RetryingAnEmailWhileItIsBeingSentDoesNotSendItTwice()
    {
        var provider = await app.CreateUserAsync(Role.ProviderAdmin);
        var release = await app.CreateUserAsync(Role.ReleaseManager);
        var tenant = await app.TenantAsync(1);
        app.Sink.Hold = true;
        var held = app.Sink.HeldCount;

        await release.AnnounceAsync(app.Spec(tenant));
        await Poll.UntilAsync(() => app.Sink.HeldCount == held + 1, what: "the email in flight");
        var row = Assert.Single(await provider.OutboxAsync(tenant.Emails, "pending"));

        // An admin presses "retry" on the row the sender is sending right now: refused, it is in flight.
        await Expect.ProblemAsync(await provider.PostJsonAsync($"/api/outbox/{row.Id}/retry"), 409, "outbox-in-flight");
        app.Sink.Hold = false;
        app.Sink.ReleaseHeld();

        var rows = await app.SettledRowsAsync(tenant.Emails, 1);
        Assert.Equal(1, rows[0].Attempts);
        await Poll.UntilAsync(() => app.Sink.AcceptedFor(tenant.Emails).Count >= 1, what: "the email");
        NotificationScenario.AssertEachAcceptedOnce(app.Sink, rows);
    }

    [Theory]
    [InlineData("Shared Mailbox <shared@example.test>")]
    [InlineData("service desk@example.test")]
    public async Task AnExtraAddressMustBeABareAddress(string address)
    {
        var tenant = await app.TenantAsync(1);
        var problem = await Expect.ProblemAsync(await tenant.Admin.PostJsonAsync("/api/notifications/addresses", new { email = address }), 400, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
    }
}
