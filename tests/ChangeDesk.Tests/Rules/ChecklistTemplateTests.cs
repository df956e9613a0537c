using ChangeDesk.Changes;
using ChangeDesk.Responsibility;
using static ChangeDesk.Changes.ChecklistTemplate;

namespace ChangeDesk.Tests.Rules;

public sealed class ChecklistTemplateTests
{
    static readonly Guid Contoso = Guid.Parse("0199a000-0000-7000-8000-000000000001");
    static readonly Guid Fabrikam = Guid.Parse("0199a000-0000-7000-8000-000000000002");

    const string NoticeItem = "Notify customers 5 days in advance: this change requires administrator action";
    const string MitigationItem = "Apply a mitigation before notifying";
    const string TestFeaturesItem = "Test the new features for quality assurance";

    static ChangeType TypeOf(string key) => ChangeTypeCatalog.Defaults().Single(t => t.Key == key);

    static Change NewChange(
        string type = ChangeTypeCatalog.Functionality, bool adminAction = true, bool emergency = false, Consent consent = Consent.None,
        Guid? owner = null, Scope scope = Scope.ManagedService) => new()
        {
            Title = "New settings page",
            TypeKey = type,
            Subtype = ChangeTypeCatalog.SubtypesOf(type)[0].Key,
            Scope = scope,
            OwnerTenantId = owner,
            AdminActionRequired = adminAction,
            AdminAction = adminAction ? "Turn on the new setting" : null,
            IsEmergency = emergency,
            Consent = consent,
        };

    static IReadOnlyList<Item> Items(Phase phase, Change change, IReadOnlyList<Guid> recipients, Func<Guid, ResponsibilityMatrix>? matrixFor = null) =>
        For(phase, new Context(change, TypeOf(change.TypeKey), matrixFor ?? (_ => ResponsibilityMatrix.Default), recipients));

    static List<string> TextsOf(IEnumerable<Item> items, Party party, Guid? tenant) =>
        items.Where(i => i.Party == party && i.TenantId == tenant).Select(i => i.Text).ToList();

    [Fact]
    public void BeforePhaseGivesProviderItemsThenEachTenantItsCustomerItems()
    {
        var items = Items(Phase.Before, NewChange(), [Contoso, Fabrikam]);

        string[] customerTexts =
        [
            "Understand what to expect from this change and its communications",
            "Read the Message Center post for this change",
            "Review and update internal change management processes",
            "Check compliance with the service's requirements",
            "Communicate the new functionality to your users",
        ];
        List<Item> expected =
        [
            new(Party.Provider, null, "Set expectations for the change"),
            new(Party.Provider, null, NoticeItem),
            .. customerTexts.SelectMany(text => new Item[] { new(Party.Customer, Contoso, text), new(Party.Customer, Fabrikam, text) }),
        ];
        Assert.Equal(expected, items);
    }

    [Fact]
    public void BeforePhaseWithoutAdminActionHasNoNoticeItem()
    {
        var items = Items(Phase.Before, NewChange(adminAction: false), [Contoso]);

        Assert.Equal(["Set expectations for the change"], TextsOf(items, Party.Provider, null));
    }

    [Fact]
    public void NoticeItemNamesTheNoticeDaysOfTheChangeType()
    {
        var change = NewChange();
        var type = TypeOf(change.TypeKey);
        type.NoticeDays = 7;

        var items = For(Phase.Before, new Context(change, type, _ => ResponsibilityMatrix.Default, [Contoso]));

        Assert.Contains(new Item(Party.Provider, null, "Notify customers 7 days in advance: this change requires administrator action"), items);
    }

    [Fact]
    public void EmergencyChangeAddsTheMitigationItemAndDropsTheNoticeItem()
    {
        var items = Items(Phase.Before, NewChange(emergency: true), [Contoso]);

        Assert.Equal(["Set expectations for the change", MitigationItem], TextsOf(items, Party.Provider, null));
        Assert.DoesNotContain(items, i => i.Text.StartsWith("Notify customers", StringComparison.Ordinal));
    }

    [Fact]
    public void EmergencyChangeWithoutAdminActionStillRequiresAMitigationFirst()
    {
        var items = Items(Phase.Before, NewChange(adminAction: false, emergency: true), [Contoso]);

        Assert.Equal(["Set expectations for the change", MitigationItem], TextsOf(items, Party.Provider, null));
    }

    [Fact]
    public void ApproveConsentAddsAnApproveItemForEveryTenant()
    {
        var items = Items(Phase.Before, NewChange(consent: Consent.Approve), [Contoso, Fabrikam]);

        var approvals = items.Where(i => i.Text == "Approve the change").ToList();
        Assert.Equal([new(Party.Customer, Contoso, "Approve the change"), new(Party.Customer, Fabrikam, "Approve the change")], approvals);
        Assert.DoesNotContain(items, i => i.Text == "Acknowledge the change");
    }

    [Fact]
    public void AcknowledgeConsentAddsAnAcknowledgeItemForEveryTenant()
    {
        var items = Items(Phase.Before, NewChange(consent: Consent.Acknowledge), [Contoso, Fabrikam]);

        Assert.Equal(2, items.Count(i => i.Text == "Acknowledge the change" && i.Party == Party.Customer));
        Assert.DoesNotContain(items, i => i.Text == "Approve the change");
    }

    [Fact]
    public void NoConsentAddsNeitherApproveNorAcknowledge()
    {
        var items = Items(Phase.Before, NewChange(), [Contoso]);

        Assert.DoesNotContain(items, i => i.Text is "Approve the change" or "Acknowledge the change");
    }

    [Fact]
    public void SecurityChangeHasNoCommunicateFunctionalityItem()
    {
        var items = Items(Phase.Before, NewChange(type: ChangeTypeCatalog.Security), [Contoso]);

        Assert.DoesNotContain(items, i => i.Text == "Communicate the new functionality to your users");
        Assert.Equal(4, TextsOf(items, Party.Customer, Contoso).Count);
    }

    [Fact]
    public void DuringPhaseGivesTheImplementerDeliveryAndEachTenantItsActions()
    {
        var items = Items(Phase.During, NewChange(), [Contoso]);

        Assert.Equal(
            ["Release and deploy the change", "Monitor data signals and support queues for impact"],
            TextsOf(items, Party.Provider, null));
        Assert.Equal(
            [
                "Check the Message Center and review any additional information",
                "Take the required action: Turn on the new setting",
                "Test applications: Check business applications including remote access services",
                "Integrate your custom software with the change",
                "If a break/fix scenario is experienced, create a support request",
            ],
            TextsOf(items, Party.Customer, Contoso));
    }

    [Fact]
    public void RarelyTestedSecurityChangeWithoutAdminActionAsksNoTestingOrAction()
    {
        var items = Items(Phase.During, NewChange(type: ChangeTypeCatalog.Security, adminAction: false), [Contoso]);

        Assert.Equal(
            [
                "Check the Message Center and review any additional information",
                "Integrate your custom software with the change",
                "If a break/fix scenario is experienced, create a support request",
            ],
            TextsOf(items, Party.Customer, Contoso));
    }

    [Fact]
    public void AfterPhaseGivesFeedbackAndAdoptionItems()
    {
        var items = Items(Phase.After, NewChange(), [Contoso]);

        Assert.Equal(
            ["Collect customer feedback to improve future rollouts", "Monitor data signals and support queues for impact"],
            TextsOf(items, Party.Provider, null));
        Assert.Equal(
            [
                "Work with people in your organization to adopt the change",
                "Review change and adoption management processes for efficiencies",
                "Provide general and specific feedback on the change",
                "Train users to give app-specific feedback (Feedback Hub, Office Smile button)",
            ],
            TextsOf(items, Party.Customer, Contoso));
    }

    [Theory]
    [InlineData(Phase.Before, new[] { "Set expectations for the change", NoticeItem })]
    [InlineData(Phase.During, new[] { "Release and deploy the change", "Monitor data signals and support queues for impact" })]
    [InlineData(Phase.After, new[] { "Collect customer feedback to improve future rollouts", "Monitor data signals and support queues for impact" })]
    public void CustomerOwnedChangeGivesItsOwnerTheImplementerItemsAndNoRecipientItems(Phase phase, string[] expectedTexts)
    {
        var items = Items(phase, NewChange(owner: Contoso, scope: Scope.CustomSoftware), []);

        Assert.Equal(expectedTexts.Select(text => new Item(Party.Customer, Contoso, text)), items);
        Assert.DoesNotContain(items, i => i.Party == Party.Provider);
    }

    [Fact]
    public void TenantOverrideMakingTestingCustomerGivesOnlyThatTenantTheTestNewFeaturesItem()
    {
        var overridden = new ResponsibilityMatrix(tenantOverrides: [(Activity.TestNewFeatures, Scope.ManagedService, Responsible.Customer)]);
        ResponsibilityMatrix MatrixFor(Guid tenant) => tenant == Contoso ? overridden : ResponsibilityMatrix.Default;

        var items = Items(Phase.During, NewChange(), [Contoso, Fabrikam], MatrixFor);

        Assert.Equal([new Item(Party.Customer, Contoso, TestFeaturesItem)], items.Where(i => i.Text == TestFeaturesItem));
    }

    [Fact]
    public void TestNewFeaturesItemFollowsTheChangesScope()
    {
        // The override is for the managed service; a change to Microsoft 365 client software stays with the provider.
        var overridden = new ResponsibilityMatrix(tenantOverrides: [(Activity.TestNewFeatures, Scope.ManagedService, Responsible.Customer)]);

        var items = Items(Phase.During, NewChange(scope: Scope.M365Client), [Contoso], _ => overridden);

        Assert.DoesNotContain(items, i => i.Text == TestFeaturesItem);
    }

    [Fact]
    public void WithoutOverridesNoTenantTestsProviderTestedFeatures()
    {
        var items = Items(Phase.During, NewChange(), [Contoso, Fabrikam]);

        Assert.DoesNotContain(items, i => i.Text == TestFeaturesItem);
    }

    [Fact]
    public void TenantOverrideTakingIntegrationAwayDropsThatTenantsIntegrateItem()
    {
        var overridden = new ResponsibilityMatrix(tenantOverrides: [(Activity.IntegrateCustomSoftware, Scope.ManagedService, Responsible.Provider)]);
        ResponsibilityMatrix MatrixFor(Guid tenant) => tenant == Fabrikam ? overridden : ResponsibilityMatrix.Default;

        var items = Items(Phase.During, NewChange(), [Contoso, Fabrikam], MatrixFor);

        Assert.Equal(
            [Contoso],
            items.Where(i => i.Text == "Integrate your custom software with the change").Select(i => i.TenantId!.Value));
    }

    [Theory]
    [InlineData(ChangeAction.Announce, Phase.Before)]
    [InlineData(ChangeAction.Start, Phase.During)]
    [InlineData(ChangeAction.Complete, Phase.After)]
    public void AnnounceStartAndCompleteEnterThePhases(ChangeAction action, Phase phase)
    {
        Assert.Equal(phase, PhaseEnteredBy(action));
    }

    [Theory]
    [InlineData(ChangeAction.Pause)]
    [InlineData(ChangeAction.Resume)]
    [InlineData(ChangeAction.Review)]
    [InlineData(ChangeAction.Cancel)]
    [InlineData(ChangeAction.Rollback)]
    public void OtherActionsEnterNoPhase(ChangeAction action)
    {
        Assert.Null(PhaseEnteredBy(action));
    }
}
