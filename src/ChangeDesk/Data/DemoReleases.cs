using ChangeDesk.Changes;
using ChangeDesk.Changes.Create;
using ChangeDesk.Changes.Transition;
using ChangeDesk.Releases;
using ChangeDesk.Releases.Calendar;
using ChangeDesk.Signals;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

/// <summary>
/// The demo's monthly release, a week into its rollout across the three tenants. It is played forward from a week ago
/// to now through the real rollout engine, in six-hour steps, with signals reported as devices would: rings start as
/// their deferral and soak allow, Fabrikam's First ring fails too often and pauses Fabrikam's rollout by itself,
/// Woodgrove's own ring plan is held by its month-end blackout, and Tailspin rolls on.
/// </summary>
public static class DemoReleases
{
    /// <summary>Devices per tenant, to size the rings defined as shares.</summary>
    static readonly Dictionary<string, int> Fleet = new() { ["Fabrikam"] = 6000, ["Tailspin Toys"] = 2500, ["Woodgrove Bank"] = 8000 };

    /// <summary>Share of installs that fail, per tenant and ring; 1 % where not named.</summary>
    static double FailureRate(string tenant, string ring) => (tenant, ring) switch
    {
        ("Fabrikam", "First") => 0.12,
        ("Woodgrove Bank", "Test") => 0.03,
        _ => 0.01,
    };

    static readonly TimeSpan Step = TimeSpan.FromHours(6);

    public static async Task SeedAsync(IServiceProvider root, DateTimeOffset now, CancellationToken ct)
    {
        var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero).AddDays(-7).AddHours(-2);
        Guid releaseId;
        Dictionary<string, Guid> tenants;
        using (var scope = root.CreateScope())
        {
            var s = scope.ServiceProvider;
            var db = s.GetRequiredService<ChangeDeskDb>();
            tenants = await db.Tenants.ToDictionaryAsync(t => t.Name, t => t.Id, ct);
            await ActAsync(s, "admin@woodgrove.example", ct);
            var woodgrove = s.GetRequiredService<RingsAndBlackouts>();
            await woodgrove.SetRingsAsync(tenants["Woodgrove Bank"],
            [
                new("Test", 25, null, 0, 2),
                new("Early adopters", null, 20, 2, 5),
                new("Everyone", null, 80, 7, 3),
            ], ct);
            await woodgrove.CreateBlackoutAsync(new BlackoutInput(null, "Month-end close", now.AddDays(-1), now.AddDays(2)), ct);
        }
        using (var scope = root.CreateScope())
        {
            var s = scope.ServiceProvider;
            var db = s.GetRequiredService<ChangeDeskDb>();
            var manager = await ActAsync(s, "release@northwind.example", ct);
            var security = await s.GetRequiredService<CreateChange>().HandleAsync(new ChangeInput
            {
                Title = $"Security update for Windows and Microsoft 365 Apps, {start:MMMM yyyy}",
                Description = "This month's security fixes for Windows and Microsoft 365 Apps, rolled out ring by ring in the monthly security release.",
                Type = "security",
                Scope = "managed-service",
                TargetsAllTenants = true,
                Services = ["Windows", "Microsoft 365 Apps"],
                PlannedStart = start,
                PlannedEnd = start.AddDays(12),
            }, ct);
            var transition = s.GetRequiredService<TransitionChange>();
            await transition.HandleAsync(security.Id, ChangeAction.Announce, null, ct);
            await transition.HandleAsync(security.Id, ChangeAction.Start, null, ct);
            var hotfix = await db.Changes.Where(c => c.Title.StartsWith("Client hotfix")).Select(c => c.Id).FirstAsync(ct);

            var year = new DateTimeOffset(now.Year, 12, 20, 0, 0, 0, TimeSpan.Zero);
            await s.GetRequiredService<RingsAndBlackouts>().CreateBlackoutAsync(
                new BlackoutInput(null, "Year-end change freeze", year > now ? year : year.AddYears(1), (year > now ? year : year.AddYears(1)).AddDays(14)), ct);

            var release = new Release
            {
                Title = $"{start:yyyy-MM} security release",
                Kind = ReleaseKind.Security,
                PlannedStart = start,
                CalendarKey = $"{start:yyyy-MM}-security",
                CreatedById = manager.Id,
                CreatedAt = start.AddDays(-20),
                UpdatedAt = start.AddDays(-20),
                Description = "The monthly security release: security updates for the managed devices, with this month's Outlook hotfix riding along.",
                Changes = [new() { ChangeId = security.Id }, new() { ChangeId = hotfix }],
            };
            await db.WriteAsync("Create release", async () =>
            {
                db.Releases.Add(release);
                await s.GetRequiredService<TenantRollouts>().SyncAsync(release, ct);
            }, ct);
            releaseId = release.Id;

            // Next month's release, as the calendar makes it.
            var next = start.AddMonths(1);
            await s.GetRequiredService<GenerateCalendar>().RunAsync(new CalendarInput(next.Year, next.Month), ct);
        }

        var reported = new Dictionary<Guid, (long Installs, long Failures)>();
        await ApplyAsync(root, releaseId, start.AddDays(-7), ct); // the schedule post, a week ahead
        var last = start;
        for (var t = start; t <= now; t += Step)
        {
            await ReportAsync(root, releaseId, tenants, reported, last, t, ct);
            await ApplyAsync(root, releaseId, t, ct);
            last = t;
        }
        await ReportAsync(root, releaseId, tenants, reported, last, now, ct);
        await ApplyAsync(root, releaseId, now, ct);
    }

    static async Task<User> ActAsync(IServiceProvider s, string email, CancellationToken ct)
    {
        var user = await s.GetRequiredService<ChangeDeskDb>().Users.SingleAsync(u => u.Email == email, ct);
        s.GetRequiredService<CurrentUser>().ActAs(user);
        return user;
    }

    static async Task ApplyAsync(IServiceProvider root, Guid releaseId, DateTimeOffset at, CancellationToken ct)
    {
        using var scope = root.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("rollout engine");
        await scope.ServiceProvider.GetRequiredService<RolloutApplier>().ApplyAsync(releaseId, at, ct);
    }

    /// <summary>
    /// Reports, hour by hour from <paramref name="from"/> to <paramref name="until"/>, what the devices of each started ring would: installs
    /// following an adoption curve (most devices within a day or two), the ring's failure rate, and a few crashes.
    /// A paused or held ring installs nothing more.
    /// </summary>
    static async Task ReportAsync(IServiceProvider root, Guid releaseId, Dictionary<string, Guid> tenants, Dictionary<Guid, (long Installs, long Failures)> reported,
        DateTimeOffset from, DateTimeOffset until, CancellationToken ct)
    {
        using var scope = root.CreateScope();
        var s = scope.ServiceProvider;
        s.GetRequiredService<CurrentUser>().ActAsSystem("demo signals");
        var queries = s.GetRequiredService<RolloutQueries>();
        var release = await queries.ReleaseAsync(releaseId, ct);
        if (release.State != ReleaseState.InProgress)
        {
            return;
        }
        var snapshot = await queries.LoadAsync(release, null, until, tracking: false, ct);
        var names = tenants.ToDictionary(t => t.Value, t => t.Key);
        var items = new List<SignalEventInput>();
        foreach (var tenant in snapshot.Tenants)
        {
            var name = names[tenant.Rollout.TenantId];
            var fixedDevices = tenant.Rollout.Rings.Sum(r => r.Devices ?? 0);
            var decision = RolloutEngine.Decide(tenant.Input);
            foreach (var ring in tenant.Rollout.Rings.Where(r => r.StartedAt is not null).OrderBy(r => r.Position))
            {
                var devices = ring.Devices ?? (int)Math.Round((Fleet[name] - fixedDevices) * ring.SharePercent!.Value / 100);
                var halted = decision.For(ring.Name)?.Gate == GateStatus.Prevented;
                var (installs, failures) = reported.GetValueOrDefault(ring.Id);
                var begin = ring.StartedAt!.Value > from ? ring.StartedAt.Value : from;
                for (var hour = begin; hour < until; hour += TimeSpan.FromHours(1))
                {
                    var at = hour.AddMinutes(30) > until ? until : hour.AddMinutes(30);
                    var target = halted ? installs : (long)Math.Round(devices * 0.97 * (1 - Math.Exp(-(at - ring.StartedAt!.Value).TotalHours / 10)));
                    var newInstalls = Math.Max(0, target - installs);
                    var newFailures = (long)Math.Round((installs + newInstalls) * FailureRate(name, ring.Name)) - failures;
                    newFailures = Math.Clamp(newFailures, 0, newInstalls);
                    installs += newInstalls;
                    failures += newFailures;
                    var crashes = newInstalls == 0 ? 0 : (long)Math.Round(newInstalls * (name == "Fabrikam" && ring.Name == "First" ? 0.02 : 0.002));
                    items.Add(new SignalEventInput
                    {
                        EventId = $"demo-{ring.Id:n}-{at.UtcTicks}",
                        ReleaseId = releaseId,
                        TenantId = tenant.Rollout.TenantId,
                        Ring = ring.Name,
                        At = at,
                        Devices = devices,
                        InstallSuccesses = newInstalls - newFailures,
                        InstallFailures = newFailures,
                        Crashes = crashes,
                    });
                }
                reported[ring.Id] = (installs, failures);
            }
        }
        for (var i = 0; i < items.Count; i += SignalIngestor.MaxItems)
        {
            await s.GetRequiredService<SignalIngestor>().IngestAsync(new SignalBatchInput(items.Skip(i).Take(SignalIngestor.MaxItems).ToList()), ct);
        }
    }
}
