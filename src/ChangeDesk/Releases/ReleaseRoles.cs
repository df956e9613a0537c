using ChangeDesk.Tenancy;
using ChangeDesk.Web;

namespace ChangeDesk.Releases;

/// <summary>
/// Who does what with releases: release managers and provider admins (and the service's own jobs) run them; a tenant's
/// admins pause and resume their tenant's rollout; everyone else reads the releases that reach them.
/// </summary>
public static class ReleaseRoles
{
    public static bool CanRunReleases(this CurrentUser user) => user.IsSystem || user.Is(Role.ProviderAdmin, Role.ReleaseManager);

    public static void EnsureCanRunReleases(this CurrentUser user)
    {
        if (!user.CanRunReleases())
        {
            throw new ForbiddenException($"Your role ({user.Role?.Name() ?? "none"}) cannot run releases: release managers and provider admins can.");
        }
    }

    public static ReleaseActor AsReleaseActor(this CurrentUser user) =>
        user.CanRunReleases() ? ReleaseActor.Runner : user.Is(Role.TenantAdmin) ? ReleaseActor.TenantAdmin : ReleaseActor.Reader;
}
