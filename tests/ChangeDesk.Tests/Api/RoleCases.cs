using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.Api;

/// <summary>Theory rows: every role, with whether it may do the thing under test.</summary>
public static class RoleCases
{
    public static readonly string[] Actions = ["announce", "start", "pause", "resume", "complete", "review", "cancel", "rollback"];

    public static TheoryData<Role, bool> ProviderAdminOnly => Allowing(Role.ProviderAdmin);
    public static TheoryData<Role, bool> Authors => Allowing(Role.ProviderAdmin, Role.ReleaseManager, Role.TenantAdmin);
    public static TheoryData<Role, bool> ProviderChangeWriters => Allowing(Role.ProviderAdmin, Role.ReleaseManager);
    public static TheoryData<Role, bool> ProviderStaff => Allowing(Role.ProviderAdmin, Role.ReleaseManager, Role.SupportEngineer);
    public static TheoryData<Role, bool> TenantAdmins => Allowing(Role.TenantAdmin);
    public static TheoryData<Role, bool> UserManagers => Allowing(Role.ProviderAdmin, Role.TenantAdmin);

    public static TheoryData<string, Role, bool> ProviderChangeTransitions => WithActions(Role.ProviderAdmin, Role.ReleaseManager);
    public static TheoryData<string, Role, bool> TenantChangeTransitions => WithActions(Role.TenantAdmin);

    static TheoryData<Role, bool> Allowing(params Role[] allowed)
    {
        var data = new TheoryData<Role, bool>();
        foreach (var role in Enum.GetValues<Role>())
        {
            data.Add(role, allowed.Contains(role));
        }
        return data;
    }

    static TheoryData<string, Role, bool> WithActions(params Role[] allowed)
    {
        var data = new TheoryData<string, Role, bool>();
        foreach (var action in Actions)
        {
            foreach (var role in Enum.GetValues<Role>())
            {
                data.Add(action, role, allowed.Contains(role));
            }
        }
        return data;
    }

    /// <summary>Asserts the success status when allowed, a 403 problem otherwise.</summary>
    public static async Task ExpectAllowedAsync(HttpResponseMessage response, bool allowed, int success = 200)
    {
        if (allowed)
        {
            await Expect.StatusAsync(response, success);
        }
        else
        {
            await Expect.ProblemAsync(response, 403, "forbidden");
        }
    }
}
