using System.Net.Http.Json;
using System.Text.Json;
using ChangeDesk.Audit;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Notifications.Webhooks;
using ChangeDesk.Responsibility;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;
using ChangeDesk.Web;

namespace ChangeDesk.Tests.SupportRequests;

/// <summary>A request through its whole life over HTTP, who may do what on the way, and what the tenant never sees.</summary>
public sealed class SupportFlowTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    DateTimeOffset Now => app.Clock.GetUtcNow();

    [Fact]
    public async Task ARequestGoesFromFiledThroughTheConversationToResolvedAndClosed()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var change = await app.AnnouncedChangeAsync(tenant.Id);
        var filedAt = Now;

        var filed = await admin.FileAsync(SupportSteps.Body("b", change.Id));
        Assert.Matches(@"^SR-\d{4,}$", filed.Number);
        Assert.Equal((SupportState.New, SupportSeverity.B, tenant.Id, tenant.Name), (filed.State, filed.Severity, filed.TenantId, filed.TenantName));
        Assert.Equal((change.Id, change.Number, change.Title), (filed.ChangeId, filed.ChangeNumber, filed.ChangeTitle));
        Assert.Equal(admin.Email, filed.Contact.Email);
        Assert.Equal(filedAt, filed.CreatedAt);
        Assert.Equal(filedAt.AddHours(4), filed.FirstResponseDueAt);
        Assert.Null(filed.FirstResponseAt);
        Assert.False(filed.FirstResponseBreached);
        Assert.Contains("<strong>fail</strong>", filed.DescriptionHtml);
        Assert.Empty(filed.AllowedActions);
        Assert.True(filed.CanComment);
        Assert.False(filed.CanAddInternalNote);

        var seen = await engineer.RequestAsync(filed.Number);
        Assert.Equal([SupportAction.Start], seen.AllowedActions);
        Assert.True(seen.CanAddInternalNote && seen.CanAssign);

        // The engineer's first public comment is the first response; the request stays new until work starts.
        app.Clock.Advance(TimeSpan.FromMinutes(20));
        var answered = await engineer.CommentAsync(filed.Number, "Looking into it: which printer models?");
        Assert.Equal(SupportState.New, answered.State);
        Assert.Equal(filedAt.AddMinutes(20), answered.FirstResponseAt);
        Assert.False(answered.FirstResponseBreached);

        await engineer.ActAsync(filed.Number, "start");
        var waiting = await engineer.ActAsync(filed.Number, "wait-on-customer", "Please send the print server's event log.");
        Assert.Equal(SupportState.WaitingOnCustomer, waiting.State);
        Assert.Equal(filedAt.AddMinutes(20), waiting.FirstResponseAt); // the first response does not move
        Assert.Equal([SupportAction.Resume, SupportAction.Resolve], waiting.AllowedActions);

        // The customer's answer hands the request back to the provider.
        var replied = await admin.CommentAsync(filed.Number, "Log attached to the ticket in our system: error 0x0000011b.");
        Assert.Equal(SupportState.InProgress, replied.State);

        var resolved = await engineer.ActAsync(filed.Number, "resolve", "Deployed the updated driver package.");
        Assert.Equal(SupportState.Resolved, resolved.State);
        Assert.Equal(Now, resolved.ResolvedAt);
        Assert.Equal([SupportAction.Close, SupportAction.Reopen], (await admin.RequestAsync(filed.Number)).AllowedActions);

        var reopened = await admin.ActAsync(filed.Number, "reopen", "Two branches still fail.");
        Assert.Equal(SupportState.InProgress, reopened.State);
        Assert.Null(reopened.ResolvedAt);
        await engineer.ActAsync(filed.Number, "resolve", "Those two branches had a stale print queue; cleared.");
        var closed = await admin.ActAsync(filed.Number, "close");
        Assert.Equal(SupportState.Closed, closed.State);
        Assert.Equal(Now, closed.ClosedAt);
        Assert.Empty(closed.AllowedActions);
        Assert.False(closed.CanComment);

        Assert.Equal(
            [
                (Party.Provider, "Looking into it: which printer models?"),
                (Party.Provider, "Please send the print server's event log."),
                (Party.Customer, "Log attached to the ticket in our system: error 0x0000011b."),
                (Party.Provider, "Deployed the updated driver package."),
                (Party.Customer, "Two branches still fail."),
                (Party.Provider, "Those two branches had a stale print queue; cleared."),
            ],
            closed.Comments.Select(c => (c.AuthorParty, c.Body)));
        Assert.All(closed.Comments.Where(c => c.AuthorParty == Party.Provider), c => Assert.Equal(engineer.Email, c.Author));

        // Closed is the end: no more comments, no more actions.
        await Expect.ProblemAsync(await admin.PostCommentAsync(filed.Number, "One more thing"), 409, "request-closed");
        var refused = await Expect.ProblemAsync(await admin.PostActionAsync(filed.Number, "reopen"), 409, "invalid-transition");
        Assert.Equal("closed", refused.GetProperty("currentState").GetString());
        Assert.Equal(0, refused.GetProperty("allowedActions").GetArrayLength());

        // Every step is in the audit trail, the tenant's own records included.
        var operations = (await AuditTrailTests.AllAsync(app, admin))
            .Where(r => r.EntityType == nameof(SupportRequest)).Select(r => r.Operation).ToList();
        Assert.Equal(
            [
                $"File support request {filed.Number}", $"Comment on {filed.Number}", $"Start work on {filed.Number}",
                $"Wait on the customer for {filed.Number}", $"Comment on {filed.Number}, back to in-progress", $"Resolve {filed.Number}",
                $"Reopen {filed.Number}", $"Resolve {filed.Number}", $"Close {filed.Number}",
            ],
            operations);
    }

    [Fact]
    public async Task ARefusedTransitionNamesTheCurrentStateAndWhatIsAllowed()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var filed = await admin.FileAsync();

        var early = await Expect.ProblemAsync(await engineer.PostActionAsync(filed.Number, "resolve"), 409, "invalid-transition");
        Assert.Equal("new", early.GetProperty("currentState").GetString());
        Assert.Equal(["start"], early.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains($"{filed.Number} is new", early.GetProperty("detail").GetString());

        // An action needs no body, as with curl -X POST.
        var bare = await engineer.Client.PostAsync($"/api/support-requests/{filed.Number}/start", null, TestContext.Current.CancellationToken);
        await Expect.StatusAsync(bare, 200);
        var notYet = await Expect.ProblemAsync(await admin.PostActionAsync(filed.Number, "close"), 409, "invalid-transition");
        Assert.Equal("in-progress", notYet.GetProperty("currentState").GetString());
        Assert.Equal(0, notYet.GetProperty("allowedActions").GetArrayLength());

        // Each side has its own actions: a tenant cannot resolve, the provider cannot close for the tenant.
        await Expect.ProblemAsync(await admin.PostActionAsync(filed.Number, "resolve"), 403, "forbidden");
        await engineer.ActAsync(filed.Number, "resolve");
        await Expect.ProblemAsync(await engineer.PostActionAsync(filed.Number, "close"), 403, "forbidden");
        Assert.Equal(SupportState.Resolved, (await admin.RequestAsync(filed.Number)).State);
    }

    [Fact]
    public async Task ReadersAndOtherProviderRolesReadButDoNotWork()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        var releaseManager = await app.CreateUserAsync(Role.ReleaseManager);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var filed = await admin.FileAsync();

        foreach (var user in new[] { reader, releaseManager, providerAdmin })
        {
            var view = await user.RequestAsync(filed.Number);
            Assert.Equal(filed.Title, view.Title);
            Assert.False(view.CanComment || view.CanAddInternalNote || view.CanAssign);
            Assert.Empty(view.AllowedActions);
            Assert.Contains((await user.QueueAsync()).Items, r => r.Number == filed.Number);
            await Expect.ProblemAsync(await user.PostCommentAsync(filed.Number, "Me too"), 403, "forbidden");
            await Expect.ProblemAsync(await user.PostActionAsync(filed.Number, "start"), 403, "forbidden");
            await Expect.ProblemAsync(await user.PostJsonAsync("/api/support-requests", SupportSteps.Body()), 403, "forbidden");
        }
        Assert.Empty((await admin.RequestAsync(filed.Number)).Comments);
    }

    [Fact]
    public async Task InternalNotesNeverReachTheTenant()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, tenant.Id);
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var providerAdmin = await app.CreateUserAsync(Role.ProviderAdmin);
        var hook = await admin.PostJsonAsync("/api/webhooks", new { url = "http://127.0.0.1:9/support-hook", description = "tenant hook" });
        await Expect.StatusAsync(hook, 201);
        var filed = await admin.FileAsync("b");
        var secret = $"The tenant proxy is misconfigured again {Guid.NewGuid():n}"; // plain words: audit snapshots escape quotes

        var noted = await engineer.CommentAsync(filed.Number, secret, isInternal: true);
        var note = Assert.Single(noted.Comments);
        Assert.True(note.IsInternal);
        Assert.Equal(secret, note.Body);
        // A note is not a response to the customer, and the tenant's view of the request does not change.
        Assert.Null(noted.FirstResponseAt);
        Assert.Equal(filed.Version, noted.Version);
        await engineer.CommentAsync(filed.Number, "We are on it.");

        foreach (var user in new[] { admin, reader })
        {
            var view = await user.RequestAsync(filed.Number);
            Assert.Equal(["We are on it."], view.Comments.Select(c => c.Body));
            Assert.DoesNotContain(view.Comments, c => c.IsInternal);
            var audit = await AuditTrailTests.AllAsync(app, user);
            Assert.DoesNotContain(audit, r => (r.After ?? "").Contains(secret) || (r.Before ?? "").Contains(secret));
        }
        Assert.Equal(2, (await engineer.RequestAsync(filed.Number)).Comments.Count);
        Assert.Contains(await AuditTrailTests.AllAsync(app, providerAdmin), r => r.EntityType == nameof(SupportComment) && (r.After ?? "").Contains(secret));

        // Nothing is sent about it: the tenant's webhook gets the filing and the public comment only.
        var outbox = await providerAdmin.GetJsonAsync<List<OutboxView>>("/api/outbox?state=all&top=1000");
        var hookId = (await admin.GetJsonAsync<List<WebhookView>>("/api/webhooks")).Single().Id.ToString();
        Assert.Equal(
            [WebhookEvents.SupportRequestCreated, WebhookEvents.SupportRequestUpdated],
            outbox.Where(o => o.Recipient == hookId).OrderBy(o => o.CreatedAt).ThenBy(o => o.EventType).Select(o => o.EventType).Order());

        // Tenants cannot write internal notes.
        await Expect.ProblemAsync(await admin.PostCommentAsync(filed.Number, "psst", isInternal: true), 403, "forbidden");
    }

    [Fact]
    public async Task AnotherTenantGetsNotFoundForEverythingAboutARequest()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (_, adminB) = await app.CreateTenantWithAdminAsync();
        var readerB = await app.CreateUserAsync(Role.TenantReader, adminB.TenantId);
        var filed = await adminA.FileAsync("a", title: $"A's outage {Guid.NewGuid():n}"[..24]);

        foreach (var b in new[] { adminB, readerB })
        {
            await Expect.ProblemAsync(await b.Client.GetAsync($"/api/support-requests/{filed.Number}", TestContext.Current.CancellationToken), 404, "not-found");
            Assert.DoesNotContain((await b.QueueAsync()).Items, r => r.Number == filed.Number);
            Assert.Empty((await b.QueueAsync($"tenantId={a.Id}")).Items);
            Assert.Empty((await b.QueueAsync($"q={filed.Number}")).Items);
            Assert.Empty((await b.QueueAsync($"q={Uri.EscapeDataString(filed.Title)}")).Items);
        }
        await Expect.ProblemAsync(await adminB.PostCommentAsync(filed.Number, "Hijack"), 404, "not-found");
        foreach (var action in Enum.GetValues<SupportAction>())
        {
            await Expect.ProblemAsync(await adminB.PostActionAsync(filed.Number, Web.EnumNames.Of(action)), 404, "not-found");
        }

        var unchanged = await adminA.RequestAsync(filed.Number);
        Assert.Equal((SupportState.New, filed.Version), (unchanged.State, unchanged.Version));
        Assert.Empty(unchanged.Comments);
    }

    [Fact]
    public async Task ARequestCanOnlyLinkAChangeItsTenantCanSee()
    {
        var (a, adminA) = await app.CreateTenantWithAdminAsync();
        var (b, adminB) = await app.CreateTenantWithAdminAsync();
        var toA = await app.AnnouncedChangeAsync(a.Id);
        var ownOfA = await adminA.CreateChangeAsync(ApiSteps.TenantChange(Now.AddDays(10)));

        foreach (var hidden in new[] { toA.Id, ownOfA.Id, 999_999 })
        {
            var problem = await SupportSteps.ValidationProblemAsync(await adminB.PostJsonAsync("/api/support-requests", SupportSteps.Body(changeId: hidden)), "changeId");
            Assert.Contains($"no change {hidden}", problem.GetProperty("detail").GetString());
        }
        Assert.Empty((await adminB.QueueAsync($"tenantId={b.Id}")).Items);

        Assert.Equal(toA.Id, (await adminA.FileAsync(changeId: toA.Id)).ChangeId);
        Assert.Equal(ownOfA.Id, (await adminA.FileAsync(changeId: ownOfA.Id)).ChangeId);
    }

    [Fact]
    public async Task InvalidRequestsAreRefusedNamingEachField()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var reader = await app.CreateUserAsync(Role.TenantReader, admin.TenantId);

        await SupportSteps.ValidationProblemAsync(await admin.PostJsonAsync("/api/support-requests", new { }), "title", "description", "severity", "affectedUsers");
        await SupportSteps.ValidationProblemAsync(await admin.PostJsonAsync("/api/support-requests", new
        {
            title = "Broken",
            description = "It broke.",
            severity = "urgent",
            affectedUsers = 0,
            contactEmail = "help desk",
            contactPhone = "ring ring",
        }), "severity", "affectedUsers", "contactEmail", "contactPhone");
        await Expect.ProblemAsync(await admin.PostJsonAsync("/api/support-requests", "{\"title\": 5"), 400, "bad-request");

        var filed = await admin.FileAsync();
        await SupportSteps.ValidationProblemAsync(await admin.PostCommentAsync(filed.Number, "   "), "body");
        await SupportSteps.ValidationProblemAsync(await engineer.PostJsonAsync($"/api/support-requests/{filed.Number}/assign", new { assigneeId = reader.Id }), "assigneeId");
        await SupportSteps.ValidationProblemAsync(await engineer.PostJsonAsync($"/api/support-requests/{filed.Number}/assign", new { assigneeEmail = admin.Email }), "assigneeEmail");
        await SupportSteps.ValidationProblemAsync(await engineer.Client.GetAsync("/api/support-requests?state=broken&severity=z&top=0&assignee=bob", TestContext.Current.CancellationToken),
            "state", "severity", "top", "assignee");
        await Expect.ProblemAsync(await engineer.Client.GetAsync("/api/support-requests/CHG-12", TestContext.Current.CancellationToken), 404, "not-found");
        await Expect.ProblemAsync(await engineer.PostActionAsync(filed.Number, "escalate"), 404, "not-found");
    }

    [Fact]
    public async Task NumbersAreConsecutiveAndUniqueUnderConcurrentFiling()
    {
        var admins = new List<TestUser>();
        for (var i = 0; i < 4; i++)
        {
            admins.Add((await app.CreateTenantWithAdminAsync()).Admin);
        }
        var first = await admins[0].FileAsync();
        var second = await admins[1].FileAsync();
        Assert.True(SupportRequest.TryParseNumber(first.Number, out var n1));
        Assert.True(SupportRequest.TryParseNumber(second.Number, out var n2));
        Assert.True(n1 > 1000);
        Assert.Equal(n1 + 1, n2);

        var filed = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => admins[i % admins.Count].FileAsync()));

        Assert.Equal(12, filed.Select(f => f.Number).Distinct().Count());
        Assert.All(filed, f => Assert.True(SupportRequest.TryParseNumber(f.Number, out var n) && n > n2));
    }

    [Fact]
    public async Task WritesHonourIfMatchAndReadsAnswerNotModified()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var filed = await admin.FileAsync();

        var stale = await engineer.SendAsync(HttpMethod.Post, $"/api/support-requests/{filed.Number}/start", new { }, ("If-Match", "\"99\""));
        await Expect.ProblemAsync(stale, 412, "precondition-failed");
        Assert.Equal(filed.ETag, stale.Headers.ETag?.ToString());

        var started = await engineer.SendAsync(HttpMethod.Post, $"/api/support-requests/{filed.Number}/start", new { }, ("If-Match", filed.ETag));
        await Expect.StatusAsync(started, 200);
        Assert.Equal(EntityTags.Of(filed.Version + 1), started.Headers.ETag?.ToString());

        var unchanged = await admin.SendAsync(HttpMethod.Get, $"/api/support-requests/{filed.Number}", null, ("If-None-Match", EntityTags.Of(filed.Version + 1)));
        Assert.Equal(304, (int)unchanged.StatusCode);
    }

    [Fact]
    public async Task TheSupportApiIsDescribedInTheOpenApiDocument()
    {
        using var client = app.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
        var paths = document.GetProperty("paths");

        var operations = paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/support-requests", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => o.Value.GetProperty("operationId").GetString())).ToHashSet();
        Assert.Superset(
            new HashSet<string?>
            {
                "ListSupportRequests", "CreateSupportRequest", "GetSupportRequest", "CommentOnSupportRequest", "AssignSupportRequest",
                "StartSupportRequest", "WaitOnCustomerSupportRequest", "ResumeSupportRequest", "ResolveSupportRequest", "CloseSupportRequest",
                "ReopenSupportRequest", "AttachToSupportRequest", "DownloadSupportAttachment", "ListSupportEngineers",
            },
            operations);
        var create = paths.GetProperty("/api/support-requests").GetProperty("post");
        Assert.Equal("Support requests", create.GetProperty("tags")[0].GetString());
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("400", out _));
    }
}
