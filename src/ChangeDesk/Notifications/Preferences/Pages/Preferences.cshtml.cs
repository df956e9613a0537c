using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Notifications.Digests;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChangeDesk.Notifications.Preferences.Pages;

public sealed class PreferencesModel(MyPreferences preferences, DigestSettings digests, ExtraAddresses addresses, CurrentUser me) : ActionPageModel
{
    public PreferenceView? Mine { get; private set; }
    public TenantSettingsView? Settings { get; private set; }
    public IReadOnlyList<AddressView> Addresses { get; private set; } = [];
    public bool IsTenantAdmin => me.Is(Role.TenantAdmin);
    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = TempData["message"] as string;
        await LoadAsync(ct);
    }

    static List<string> Split(string? csv) => (csv ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    public Task<IActionResult> OnPostMineAsync(string? mode, List<string>? categories, List<string>? severities, string? services, bool majorChangesOnly, bool allUpdates, CancellationToken ct) =>
        Act(() => preferences.SetAsync(new PreferenceInput(mode, categories, severities, Split(services), majorChangesOnly, allUpdates), ct), "Your preferences are saved.", ct);

    public Task<IActionResult> OnPostDigestAsync(string? timeZone, string? digestTime, string? weeklyDigestDay, CancellationToken ct) =>
        Act(() => digests.SetAsync(new TenantSettingsInput(timeZone, digestTime, weeklyDigestDay), ct), "Digest settings saved.", ct);

    public Task<IActionResult> OnPostAddAddressAsync(string? email, string? mode, CancellationToken ct) =>
        Act(() => addresses.AddAsync(new PreferenceInput(mode, [], [], [], false, false, email), ct),
            $"Address added. It receives nothing until its owner follows the link just mailed to {email?.Trim()}.", ct);

    public Task<IActionResult> OnPostResendConfirmationAsync(Guid id, CancellationToken ct) =>
        Act(() => addresses.ResendConfirmationAsync(id, ct), "The confirmation link was mailed again.", ct);

    public Task<IActionResult> OnPostRemoveAddressAsync(Guid id, CancellationToken ct) =>
        Act(async () => { await addresses.RemoveAsync(id, ct); return true; }, "Address removed.", ct);

    Task<IActionResult> Act<T>(Func<Task<T>> work, string done, CancellationToken ct) =>
        ActAsync(async () => { await work(); return done; }, ct);

    protected override async Task<IActionResult> ReloadAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    async Task LoadAsync(CancellationToken ct)
    {
        Mine = await preferences.GetAsync(ct);
        if (IsTenantAdmin)
        {
            Settings = await digests.GetAsync(ct);
            Addresses = await addresses.ListAsync(ct);
        }
    }
}
