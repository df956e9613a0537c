using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Web;

public sealed class HomeModel : PageModel
{
    public IActionResult OnGet() => Redirect("/changes");
}
