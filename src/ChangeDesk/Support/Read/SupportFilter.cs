namespace ChangeDesk.Support;

/// <summary>
/// List filters. <c>State</c>: one state, several comma-separated, or <c>open</c> (new, in progress, waiting on
/// the customer). <c>Assignee</c>: a user id, <c>me</c> or <c>unassigned</c>.
/// </summary>
public sealed record SupportFilter(
    string? State = null, string? Severity = null, Guid? TenantId = null, int? ChangeId = null, Guid? ReleaseId = null,
    string? Assignee = null, bool? Breached = null, string? Q = null, int Skip = 0, int Top = 50);
