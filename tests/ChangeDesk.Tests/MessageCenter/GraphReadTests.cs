using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;
using Microsoft.Graph.Models;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>Reading a tenant's Message Center with the Microsoft Graph SDK: list, one message, $count.</summary>
public sealed class GraphReadTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListGetAndCountShowEachMessageAsGraphShapesIt()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var now = app.Clock.GetUtcNow();

        var settings = await app.AnnounceAsync(rm, new ChangeSpec
        {
            Title = "Printer settings move to the new console",
            Description = "Printer settings move to the **new** console.\n\n- queues\n- drivers",
            AdminActionRequired = true,
            AdminAction = "Review printer defaults",
            StartIn = TimeSpan.FromDays(7),
            EndIn = TimeSpan.FromDays(9),
            ActionRequiredByIn = TimeSpan.FromDays(6),
            Severity = "high",
            IsMajorChange = true,
            Services = ["Windows", "Microsoft Intune"],
        }, tenant.Id);
        var retirement = await app.AnnounceAsync(rm, new ChangeSpec
        {
            Title = "Legacy kiosk mode retires",
            Subtype = "deprecated-feature",
            StartIn = TimeSpan.FromDays(30),
            Services = ["Windows"],
        }, tenant.Id);
        var security = await app.AnnounceAsync(rm, new ChangeSpec
        {
            Title = "March security update",
            Type = "security",
            Subtype = null,
            Severity = "critical",
            Services = ["Windows", "Microsoft Edge"],
        }, tenant.Id);
        var hotfix = await app.AnnounceAsync(rm, new ChangeSpec
        {
            Title = "Client hotfix for sign-in delays",
            Type = "non-security",
            Subtype = "client-hotfix",
            Services = ["Microsoft 365 Apps"],
        }, tenant.Id);
        var newFeature = await app.AnnounceAsync(rm, new ChangeSpec
        {
            Title = "Self-service printer install",
            Subtype = "new-feature",
            Tags = ["User impact"],
            Services = ["Windows"],
        }, tenant.Id);

        var graph = app.Graph(admin);
        var list = await graph.Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct);
        Assert.NotNull(list?.Value);
        // All posted at the same instant: newest number first, the stable default order.
        Assert.Equal([newFeature.MessageId, hotfix.MessageId, security.MessageId, retirement.MessageId, settings.MessageId],
            list.Value.Select(m => m.Id).ToList());
        Assert.All(list.Value, m => Assert.Matches("^MC[0-9]+$", m.Id!));
        Assert.Null(list.OdataNextLink);

        var byId = list.Value.ToDictionary(m => m.Id!);

        var s = byId[settings.MessageId!];
        Assert.Equal(settings.Title, s.Title);
        Assert.Equal(ServiceUpdateCategory.PlanForChange, s.Category);
        Assert.Equal(ServiceUpdateSeverity.High, s.Severity);
        Assert.True(s.IsMajorChange);
        Assert.Equal(["Windows", "Microsoft Intune"], s.Services!);
        Assert.Equal(["Admin impact", "Feature update", "Major update"], s.Tags!);
        Assert.Equal(now.AddDays(7), s.StartDateTime);
        Assert.Equal(now.AddDays(9), s.EndDateTime);
        Assert.Equal(now.AddDays(6), s.ActionRequiredByDateTime);
        Assert.Equal(now, s.LastModifiedDateTime);
        Assert.Equal(BodyType.Html, s.Body?.ContentType);
        Assert.Contains("<strong>new</strong>", s.Body?.Content);
        Assert.Contains("<li>queues</li>", s.Body?.Content);
        Assert.Contains("Review printer defaults", s.Body?.Content);
        Assert.Equal(settings.Number, s.Detail("ChangeNumber"));
        Assert.Equal("Tenant admins: take the action", s.Detail("WhoMustAct"));
        Assert.False(s.HasAttachments);
        Assert.NotNull(s.ViewPoint);
        Assert.False(s.ViewPoint.IsRead);
        Assert.False(s.ViewPoint.IsArchived);
        Assert.False(s.ViewPoint.IsFavorited);

        var r = byId[retirement.MessageId!];
        Assert.Equal(ServiceUpdateCategory.StayInformed, r.Category);
        Assert.Equal(ServiceUpdateSeverity.Normal, r.Severity);
        Assert.False(r.IsMajorChange);
        Assert.Equal(["Retirement"], r.Tags!);
        Assert.Null(r.ActionRequiredByDateTime);
        Assert.Null(r.EndDateTime);
        Assert.Equal(retirement.Number, r.Detail("ChangeNumber"));
        Assert.Equal("No action required", r.Detail("WhoMustAct"));

        var sec = byId[security.MessageId!];
        Assert.Equal(ServiceUpdateCategory.PreventOrFixIssue, sec.Category);
        Assert.Equal(ServiceUpdateSeverity.Critical, sec.Severity);
        Assert.Equal(["Windows", "Microsoft Edge"], sec.Services!);
        Assert.Empty(sec.Tags!);

        var fix = byId[hotfix.MessageId!];
        Assert.Equal(ServiceUpdateCategory.PreventOrFixIssue, fix.Category);
        Assert.Equal(ServiceUpdateSeverity.Normal, fix.Severity);
        Assert.Equal(["Microsoft 365 Apps"], fix.Services!);

        var nf = byId[newFeature.MessageId!];
        Assert.Equal(ServiceUpdateCategory.StayInformed, nf.Category);
        Assert.Equal(["User impact", "New feature"], nf.Tags!);

        // One message by id: the same values as in the list.
        var one = await graph.Admin.ServiceAnnouncement.Messages[settings.MessageId].GetAsync(cancellationToken: Ct);
        Assert.NotNull(one);
        Assert.Equal(settings.MessageId, one.Id);
        Assert.Equal(s.Title, one.Title);
        Assert.Equal(s.Category, one.Category);
        Assert.Equal(s.Severity, one.Severity);
        Assert.Equal(s.Tags, one.Tags);
        Assert.Equal(s.Services, one.Services);
        Assert.Equal(s.ActionRequiredByDateTime, one.ActionRequiredByDateTime);
        Assert.Equal(s.Body?.Content, one.Body?.Content);
        Assert.Equal(s.Details!.Select(d => (d.Name, d.Value)), one.Details!.Select(d => (d.Name, d.Value)));

        // $count, as text/plain, with and without $filter.
        Assert.Equal(5, await graph.Admin.ServiceAnnouncement.Messages.Count.GetAsync(cancellationToken: Ct));
        Assert.Equal(2, await graph.Admin.ServiceAnnouncement.Messages.Count.GetAsync(c => c.QueryParameters.Filter = "category eq 'preventOrFixIssue'", Ct));
        Assert.Equal(0, await graph.Admin.ServiceAnnouncement.Messages.Count.GetAsync(c => c.QueryParameters.Filter = "severity eq 'low'", Ct));
    }

    [Fact]
    public async Task ATenantWithNoMessagesGetsAnEmptyListAndZero()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var graph = app.Graph(admin);
        var list = await graph.Admin.ServiceAnnouncement.Messages.GetAsync(cancellationToken: Ct);
        Assert.NotNull(list?.Value);
        Assert.Empty(list.Value);
        Assert.Equal(0, await graph.Admin.ServiceAnnouncement.Messages.Count.GetAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task UnknownIdsAndUnsupportedRequestsAnswerInGraphsErrorShape()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var graph = app.Graph(admin);
        var error = await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages["MC999999"].GetAsync(cancellationToken: Ct), 404, "itemNotFound");
        Assert.Contains("MC999999", error.Error!.Message);
        Assert.False(string.IsNullOrWhiteSpace(error.Error.InnerError?.RequestId));

        // Messages are posted by announcing changes, not through Graph; other Graph resources are not served.
        await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages["MC999999"].DeleteAsync(cancellationToken: Ct), 405, "methodNotAllowed");
        await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages.PostAsync(
            new ServiceUpdateMessage { Title = "Not allowed" }, cancellationToken: Ct), 405, "methodNotAllowed");
        await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.HealthOverviews.GetAsync(cancellationToken: Ct), 404, "itemNotFound");
        await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages.GetAsync(c => c.QueryParameters.Search = "\"printer\"", Ct), 400, "invalidRequest");
        await GraphKit.ODataErrorAsync(() => graph.Admin.ServiceAnnouncement.Messages.GetAsync(c => c.QueryParameters.Expand = ["attachments"], Ct), 400, "invalidRequest");
    }
}
