using ChangeDesk.Web;

namespace ChangeDesk.Support.Pages;

/// <summary>How the support pages name severities, states and actions.</summary>
public static class SupportLabels
{
    public static string Severity(SupportSeverity severity) => severity switch
    {
        SupportSeverity.A => "A · critical",
        SupportSeverity.B => "B · high",
        _ => "C · normal",
    };

    public static string SeverityHint(SupportSeverity severity) => severity switch
    {
        SupportSeverity.A => "business stopped: many users cannot work",
        SupportSeverity.B => "badly degraded: a team or a key application is affected",
        _ => "an inconvenience or a question",
    };

    public static string SeverityClass(SupportSeverity severity) => "sev-" + EnumNames.Of(severity);

    public static string State(SupportState state) => state switch
    {
        SupportState.WaitingOnCustomer => "Waiting on customer",
        _ => Display.Label(state),
    };

    public static string StateClass(SupportState state) => "state-" + EnumNames.Of(state);

    public static string Action(SupportAction action) => action switch
    {
        SupportAction.Start => "Start work",
        SupportAction.WaitOnCustomer => "Ask the customer",
        SupportAction.Resume => "Resume work",
        SupportAction.Resolve => "Resolve",
        SupportAction.Close => "Confirm fixed and close",
        _ => "Reopen: not fixed",
    };

    public static string Done(SupportAction action) => action switch
    {
        SupportAction.Start => "Work started.",
        SupportAction.WaitOnCustomer => "Waiting on the customer.",
        SupportAction.Resume => "Work resumed.",
        SupportAction.Resolve => "Resolved.",
        SupportAction.Close => "Closed.",
        _ => "Reopened.",
    };
}
