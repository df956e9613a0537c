using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Graph;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.Archive;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.Favorite;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.MarkRead;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.MarkUnread;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.Unarchive;
using Microsoft.Graph.Admin.ServiceAnnouncement.Messages.Unfavorite;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>The six view-state actions through the SDK, read back as each message's viewPoint.</summary>
public sealed class GraphActionTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<(Guid Tenant, TestUser Admin, string[] Ids)> ThreeMessagesAsync()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var ids = new List<string>();
        foreach (var title in new[] { "First", "Second", "Third" })
        {
            ids.Add((await app.AnnounceAsync(rm, new ChangeSpec { Title = $"{title} change" }, tenant.Id)).MessageId!);
        }
        return (tenant.Id, admin, ids.ToArray());
    }

    /// <summary>Each message's viewPoint as "read/archived/favorited" flags, e.g. "R--".</summary>
    static async Task<string> ViewAsync(GraphServiceClient graph, string id)
    {
        var m = await graph.Admin.ServiceAnnouncement.Messages[id].GetAsync(cancellationToken: Ct);
        Assert.NotNull(m?.ViewPoint);
        return $"{(m.ViewPoint.IsRead == true ? "R" : "-")}{(m.ViewPoint.IsArchived == true ? "A" : "-")}{(m.ViewPoint.IsFavorited == true ? "F" : "-")}";
    }

    static async Task<string> ViewsAsync(GraphServiceClient graph, string[] ids)
    {
        var views = new List<string>();
        foreach (var id in ids)
        {
            views.Add(await ViewAsync(graph, id));
        }
        return string.Join(" ", views);
    }

    [Fact]
    public async Task AllSixActionsReturnTrueAndShowInTheViewPoint()
    {
        var (_, admin, ids) = await ThreeMessagesAsync();
        var graph = app.Graph(admin);
        var messages = graph.Admin.ServiceAnnouncement.Messages;
        Assert.Equal("--- --- ---", await ViewsAsync(graph, ids));

        var read = await messages.MarkRead.PostAsMarkReadPostResponseAsync(new MarkReadPostRequestBody { MessageIds = [ids[0], ids[1]] }, cancellationToken: Ct);
        Assert.True(read?.Value);
        Assert.Equal("R-- R-- ---", await ViewsAsync(graph, ids));

        var unread = await messages.MarkUnread.PostAsMarkUnreadPostResponseAsync(new MarkUnreadPostRequestBody { MessageIds = [ids[0]] }, cancellationToken: Ct);
        Assert.True(unread?.Value);
        Assert.Equal("--- R-- ---", await ViewsAsync(graph, ids));

        var archive = await messages.Archive.PostAsArchivePostResponseAsync(new ArchivePostRequestBody { MessageIds = [ids[1], ids[2]] }, cancellationToken: Ct);
        Assert.True(archive?.Value);
        Assert.Equal("--- RA- -A-", await ViewsAsync(graph, ids));

        var unarchive = await messages.Unarchive.PostAsUnarchivePostResponseAsync(new UnarchivePostRequestBody { MessageIds = [ids[2]] }, cancellationToken: Ct);
        Assert.True(unarchive?.Value);
        Assert.Equal("--- RA- ---", await ViewsAsync(graph, ids));

        var favorite = await messages.Favorite.PostAsFavoritePostResponseAsync(new FavoritePostRequestBody { MessageIds = [.. ids] }, cancellationToken: Ct);
        Assert.True(favorite?.Value);
        Assert.Equal("--F RAF --F", await ViewsAsync(graph, ids));

        var unfavorite = await messages.Unfavorite.PostAsUnfavoritePostResponseAsync(new UnfavoritePostRequestBody { MessageIds = [ids[1]] }, cancellationToken: Ct);
        Assert.True(unfavorite?.Value);
        Assert.Equal("--F RA- --F", await ViewsAsync(graph, ids));

        // Repeating an action is harmless, and the list shows the same viewPoint as GET by id.
        Assert.True((await messages.MarkRead.PostAsMarkReadPostResponseAsync(new MarkReadPostRequestBody { MessageIds = [ids[1], ids[1]] }, cancellationToken: Ct))?.Value);
        var list = await messages.GetAsync(cancellationToken: Ct);
        var inList = list!.Value!.ToDictionary(m => m.Id!, m => m.ViewPoint!);
        Assert.True(inList[ids[1]].IsRead);
        Assert.True(inList[ids[1]].IsArchived);
        Assert.False(inList[ids[1]].IsFavorited);
        Assert.True(inList[ids[0]].IsFavorited);
    }

    [Fact]
    public async Task ViewStateIsPerUser()
    {
        var (tenant, admin, ids) = await ThreeMessagesAsync();
        var colleague = await app.CreateUserAsync(Role.TenantReader, tenant);
        var mine = app.Graph(admin);
        Assert.True((await mine.Admin.ServiceAnnouncement.Messages.Favorite.PostAsFavoritePostResponseAsync(
            new FavoritePostRequestBody { MessageIds = [ids[0]] }, cancellationToken: Ct))?.Value);
        Assert.True((await mine.Admin.ServiceAnnouncement.Messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [ids[0]] }, cancellationToken: Ct))?.Value);

        Assert.Equal("R-F", await ViewAsync(mine, ids[0]));
        var theirs = app.Graph(colleague);
        Assert.Equal("---", await ViewAsync(theirs, ids[0]));
        Assert.True((await theirs.Admin.ServiceAnnouncement.Messages.Archive.PostAsArchivePostResponseAsync(
            new ArchivePostRequestBody { MessageIds = [ids[0]] }, cancellationToken: Ct))?.Value);
        Assert.Equal("-A-", await ViewAsync(theirs, ids[0]));
        Assert.Equal("R-F", await ViewAsync(mine, ids[0]));
    }

    [Fact]
    public async Task AnActionOnAnUnknownIdIsItemNotFoundAndChangesNothing()
    {
        var (_, admin, ids) = await ThreeMessagesAsync();
        var graph = app.Graph(admin);
        var error = await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages.MarkRead.PostAsMarkReadPostResponseAsync(
            new MarkReadPostRequestBody { MessageIds = [ids[0], "MC999999"] }, cancellationToken: Ct), 404, "itemNotFound");
        Assert.Contains("MC999999", error.Error!.Message);
        Assert.Equal("---", await ViewAsync(graph, ids[0]));

        await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages.Archive.PostAsArchivePostResponseAsync(
            new ArchivePostRequestBody { MessageIds = [] }, cancellationToken: Ct), 400, "invalidRequest");
        await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages.Archive.PostAsArchivePostResponseAsync(
            new ArchivePostRequestBody(), cancellationToken: Ct), 400, "invalidRequest");
    }
}
