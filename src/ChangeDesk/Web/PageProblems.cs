using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ChangeDesk.Web;

public static class PageProblems
{
    /// <summary>Shows a refused request on a form: field messages beside the fields, the detail at the top.</summary>
    public static string Apply(ProblemException problem, ModelStateDictionary state, string prefix = "")
    {
        foreach (var (field, messages) in problem.Errors)
        {
            foreach (var message in messages)
            {
                state.AddModelError(prefix + char.ToUpperInvariant(field[0]) + field[1..], message);
            }
        }
        return problem.Message;
    }
}
