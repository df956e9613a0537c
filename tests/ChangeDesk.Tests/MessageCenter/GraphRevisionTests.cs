using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.MarkRead;
using Microsoft.Graph.Models;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>Editing an announced change revises its message, keeping history; bodies are sanitized HTML.</summary>
public sealed class GraphRevisionTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EditingAnAnnouncedChangeUpdatesTheMessageAndKeepsTheOldVersion()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var announcedAt = app.Clock.GetUtcNow();
        var spec = new ChangeSpec { Title = "Printer settings move", StartIn = TimeSpan.FromDays(7), Services = ["Windows"] };
        var change = await app.AnnounceAsync(rm, spec, tenant.Id);
        var id = change.MessageId!;

        var graph = app.Graph(admin);
        var before = await graph.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct);
        Assert.Equal(announcedAt, before!.LastModifiedDateTime);
        Assert.Equal(announcedAt.AddDays(7), before.StartDateTime);
        Assert.DoesNotContain("Updated message", before.Tags!);
        Assert.True((await graph.Admin.ServiceAnnouncement.Messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [id] }, cancellationToken: Ct))?.Value);

        app.Clock.Advance(TimeSpan.FromHours(3));
        var editedAt = app.Clock.GetUtcNow();
        var put = await rm.PutJsonAsync($"/api/changes/{change.Id}", GraphKit.Input(spec with { StartIn = TimeSpan.FromDays(10) }, announcedAt, [tenant.Id]));
        await Expect.StatusAsync(put, 200);

        var after = await graph.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct);
        Assert.Equal(editedAt, after!.LastModifiedDateTime);
        Assert.Equal(announcedAt.AddDays(10), after.StartDateTime);
        Assert.Equal("Updated message", after.Tags!.Last());
        Assert.Equal(["Feature update", "Updated message"], after.Tags!);
        Assert.Equal(before.Title, after.Title);
        // An update is news again: unread for everyone.
        Assert.False(after.ViewPoint!.IsRead);
        // It sorts first and is found by the update filters tools use.
        var updated = await graph.Admin.ServiceAnnouncement.Messages.GetAsync(c =>
            c.QueryParameters.Filter = $"lastModifiedDateTime gt {announcedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} and tags/any(t:t eq 'Updated message')", Ct);
        Assert.Equal([id], updated!.Value!.Select(m => m.Id));

        // The REST API shows the earlier version, naming what changed.
        var detail = await admin.GetJsonAsync<JsonElement>($"/api/message-center/messages/{id}");
        Assert.Equal(2, detail.GetProperty("message").GetProperty("version").GetInt32());
        var history = detail.GetProperty("history").EnumerateArray().ToList();
        var previous = Assert.Single(history);
        Assert.Equal(1, previous.GetProperty("version").GetInt32());
        Assert.Contains("startDateTime", previous.GetProperty("changedFields").GetString()!.Split(", "));
        Assert.Equal(announcedAt.AddDays(7), previous.GetProperty("startDateTime").GetDateTimeOffset());
        Assert.Equal(editedAt, previous.GetProperty("replacedAt").GetDateTimeOffset());
        Assert.Equal(before.Title, previous.GetProperty("title").GetString());

        // A provider reads the same history by naming the tenant.
        var asProvider = await rm.GetJsonAsync<JsonElement>($"/api/message-center/messages/{id}?tenantId={tenant.Id}");
        Assert.Single(asProvider.GetProperty("history").EnumerateArray());

        // Saving the same content again is not a new version.
        app.Clock.Advance(TimeSpan.FromHours(1));
        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}",
            GraphKit.Input(spec with { StartIn = TimeSpan.FromDays(10) }, announcedAt, [tenant.Id])), 200);
        var same = await graph.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct);
        Assert.Equal(editedAt, same!.LastModifiedDateTime);
        Assert.Single((await admin.GetJsonAsync<JsonElement>($"/api/message-center/messages/{id}")).GetProperty("history").EnumerateArray());

        // A second edit (the title) adds a second earlier version, newest first.
        app.Clock.Advance(TimeSpan.FromHours(1));
        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{change.Id}",
            GraphKit.Input(spec with { Title = "Printer settings move to the new console", StartIn = TimeSpan.FromDays(10) }, announcedAt, [tenant.Id])), 200);
        var renamed = await graph.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct);
        Assert.Equal("Printer settings move to the new console", renamed!.Title);
        Assert.Equal(app.Clock.GetUtcNow(), renamed.LastModifiedDateTime);
        Assert.Single(renamed.Tags!, t => t == "Updated message");
        var twice = (await admin.GetJsonAsync<JsonElement>($"/api/message-center/messages/{id}")).GetProperty("history").EnumerateArray().ToList();
        Assert.Equal([2, 1], twice.Select(h => h.GetProperty("version").GetInt32()));
        Assert.Equal("title", twice[0].GetProperty("changedFields").GetString());
        Assert.Equal("Printer settings move", twice[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task AnEditedMessageMovesToTheTopOfEveryTenantsListIncludingATenantAddedByTheEdit()
    {
        var (first, firstAdmin) = await app.CreateTenantWithAdminAsync();
        var (second, secondAdmin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var announcedAt = app.Clock.GetUtcNow();
        var olderSpec = new ChangeSpec { Title = "Older post", StartIn = TimeSpan.FromDays(7) };
        var older = await app.AnnounceAsync(rm, olderSpec, first.Id);
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var newer = await app.AnnounceAsync(rm, new ChangeSpec { Title = "Newer post", StartIn = TimeSpan.FromDays(7) }, first.Id, second.Id);

        async Task<List<string>> ListAsync(TestUser reader) =>
            (await app.Graph(reader).Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct))!.Value!.Select(m => m.Id!)
                .Where(id => id == older.MessageId || id == newer.MessageId).ToList();
        Assert.Equal([newer.MessageId!, older.MessageId!], await ListAsync(firstAdmin));

        // Editing the older post (and adding the second tenant to it) makes it the newest for both tenants.
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var editedAt = app.Clock.GetUtcNow();
        await Expect.StatusAsync(await rm.PutJsonAsync($"/api/changes/{older.Id}",
            GraphKit.Input(olderSpec with { StartIn = TimeSpan.FromDays(9) }, announcedAt, [first.Id, second.Id])), 200);
        Assert.Equal([older.MessageId!, newer.MessageId!], await ListAsync(firstAdmin));
        Assert.Equal([older.MessageId!, newer.MessageId!], await ListAsync(secondAdmin));
        foreach (var reader in new[] { firstAdmin, secondAdmin })
        {
            var since = await app.Graph(reader).Admin.ServiceAnnouncement.Messages.GetAsync(c =>
                c.QueryParameters.Filter = $"lastModifiedDateTime ge {editedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", Ct);
            Assert.Equal([older.MessageId!], since!.Value!.Select(m => m.Id!));
        }
    }

    [Fact]
    public async Task TheBodyIsSanitizedHtml()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var change = await app.AnnounceAsync(rm, new ChangeSpec
        {
            Title = "Hostile description",
            Description = "Read **this**.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
                + "Click [x](javascript:alert(3)) or [docs](https://example.test/docs).\n\n<a href=\"javascript:alert(4)\">raw link</a>",
        }, tenant.Id);

        var message = await app.Graph(admin).Admin.ServiceAnnouncement.Messages[change.MessageId].GetAsync(cancellationToken: Ct);
        Assert.Equal(BodyType.Html, message!.Body!.ContentType);
        var html = message.Body.Content!;
        Assert.Contains("<strong>this</strong>", html);
        Assert.Contains("href=\"https://example.test/docs\"", html);

        // Raw HTML in the Markdown is shown as inert text (escaped), never as markup.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html);
        var document = await new HtmlParser().ParseDocumentAsync(html, Ct);
        Assert.Empty(document.QuerySelectorAll("script, img, iframe, object, embed"));
        var attributes = document.All.SelectMany(e => e.Attributes.Select(a => (Element: e.LocalName, a.Name, a.Value))).ToList();
        Assert.DoesNotContain(attributes, a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(attributes, a => a.Value.Contains("javascript:", StringComparison.OrdinalIgnoreCase));
        // The markup itself (text removed) has no handler and no script URL anywhere.
        var markup = string.Concat(document.All.Select(e => e.LocalName + string.Concat(e.Attributes.Select(a => $" {a.Name}={a.Value}"))));
        Assert.DoesNotContain("onerror", markup, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", markup, StringComparison.OrdinalIgnoreCase);
        // The Markdown link to javascript: keeps its text and loses its target.
        var x = Assert.Single(document.QuerySelectorAll("a"), a => a.TextContent == "x");
        Assert.False(x.HasAttribute("href"));
    }
}
