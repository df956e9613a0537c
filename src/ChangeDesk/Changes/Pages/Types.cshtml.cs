using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Changes.Pages;

public sealed class TypesModel(ChangeDeskDb db, CurrentUser me) : PageModel
{
    public IReadOnlyList<ChangeTypeView> Types { get; private set; } = [];
    public bool CanEdit => me.Is(Role.ProviderAdmin);
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Types = await ChangeTypesApi.ListAsync(db, ct);

    public async Task<IActionResult> OnPostAsync(string key, int? noticeDays, CancellationToken ct)
    {
        if (!CanEdit)
        {
            return Forbid();
        }
        try
        {
            var type = await ChangeTypesApi.SetNoticeDaysAsync(db, key, noticeDays, ct);
            Message = $"{type.Name}: notice period is now {type.NoticeDays} days.";
        }
        catch (ProblemException e)
        {
            Error = e.Message;
        }
        Types = await ChangeTypesApi.ListAsync(db, ct);
        return Page();
    }
}
