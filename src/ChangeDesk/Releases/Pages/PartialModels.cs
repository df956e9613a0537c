namespace ChangeDesk.Releases.Pages;

/// <summary>The pauses of one tenant (or the service-wide ones), with the page that decides who may lift them.</summary>
public sealed record PausesModel(DetailModel Page, IReadOnlyList<PauseView> Pauses);

/// <summary>A rollout action that asks for a reason: a disclosure with the form inside.</summary>
public sealed record ReasonAction(string Handler, Guid? TenantId, string Summary, string Label, string Button, string Key, bool Required);
