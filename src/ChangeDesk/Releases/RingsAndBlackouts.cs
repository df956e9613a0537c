using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Releases;

public sealed record RingPlanView(Guid TenantId, bool IsDefault, IReadOnlyList<RingDefinition> Rings);

public sealed record RingPlanInput([property: MaxLength(InputBounds.Rings)] List<RingDefinition>? Rings);

public sealed record BlackoutInput(Guid? TenantId, [property: MaxLength(InputBounds.Name)] string? Title, DateTimeOffset? Start, DateTimeOffset? End);

public sealed record BlackoutView(Guid Id, Guid? TenantId, bool ServiceWide, string Title, DateTimeOffset Start, DateTimeOffset End, string CreatedBy,
    DateTimeOffset CreatedAt, bool CanEdit, IReadOnlyList<BlackoutConflict> Conflicts);

/// <summary>
/// A tenant's ring plan (its admins or a provider admin edit it) and blackout windows (a tenant's admins for their
/// tenant; release managers and provider admins service-wide or for any tenant). A rollout in progress keeps the
/// ring plan it started with.
/// </summary>
public sealed class RingsAndBlackouts(ChangeDeskDb db, CurrentUser user, RolloutQueries queries, ReleaseReader releases, RolloutWakeUp wakeUp, TimeProvider clock)
{
    void EnsureCanRead(Guid tenant)
    {
        if (!user.IsProvider && user.TenantId != tenant)
        {
            throw new NotFoundException("Tenant", tenant);
        }
    }

    public async Task<RingPlanView> RingsAsync(Guid tenant, CancellationToken ct)
    {
        EnsureCanRead(tenant);
        if (!await db.Tenants.AnyAsync(t => t.Id == tenant, ct))
        {
            throw new NotFoundException("Tenant", tenant);
        }
        var own = await db.TenantRings.AnyAsync(r => r.TenantId == tenant, ct);
        return new RingPlanView(tenant, !own, (await queries.PlansAsync([tenant], ct))[tenant]);
    }

    public async Task<RingPlanView> SetRingsAsync(Guid tenant, List<RingDefinition>? rings, CancellationToken ct)
    {
        EnsureCanRead(tenant);
        if (!(user.Is(Role.ProviderAdmin) || (user.Is(Role.TenantAdmin) && user.TenantId == tenant)))
        {
            throw new ForbiddenException("A tenant's ring plan is edited by its admins or by a provider admin.");
        }
        if (!await db.Tenants.AnyAsync(t => t.Id == tenant, ct))
        {
            throw new NotFoundException("Tenant", tenant);
        }
        var errors = RingPlan.Validate(rings);
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        await db.WriteAsync("Set ring plan", async () =>
        {
            var existing = await db.TenantRings.Where(r => r.TenantId == tenant).OrderBy(r => r.Position).ToListAsync(ct);
            // Positions are unique per tenant: rows are updated in place where a position survives, the rest added or
            // removed. Of two first plans saved at once, the later runs again on the rows the other inserted.
            for (var i = 0; i < rings!.Count; i++)
            {
                var wanted = rings[i];
                var row = existing.ElementAtOrDefault(i);
                if (row is null)
                {
                    row = new TenantRing { TenantId = tenant, Name = wanted.Name.Trim(), Position = i };
                    db.TenantRings.Add(row);
                }
                row.Name = wanted.Name.Trim();
                row.Devices = wanted.Devices;
                row.SharePercent = wanted.SharePercent;
                row.DeferralDays = wanted.DeferralDays;
                row.SoakDays = wanted.SoakDays;
            }
            db.TenantRings.RemoveRange(existing.Skip(rings.Count));
        }, ct);
        return await RingsAsync(tenant, ct);
    }

    public async Task<List<BlackoutView>> BlackoutsAsync(Guid? tenantId, bool includePast, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var query = db.BlackoutWindows.AsNoTracking();
        if (tenantId is { } t)
        {
            EnsureCanRead(t);
            query = query.Where(w => w.TenantId == null || w.TenantId == t);
        }
        if (!includePast)
        {
            query = query.Where(w => w.End > now);
        }
        var rows = await query.OrderBy(w => w.Start).ToListAsync(ct);
        return rows.Select(w => ToView(w, [])).ToList();
    }

    BlackoutView ToView(BlackoutWindow w, IReadOnlyList<BlackoutConflict> conflicts) =>
        new(w.Id, w.TenantId, w.TenantId == null, w.Title, w.Start, w.End, w.CreatedBy, w.CreatedAt, CanWrite(w.TenantId), conflicts);

    bool CanWrite(Guid? tenant) => tenant is null
        ? user.Is(Role.ProviderAdmin, Role.ReleaseManager)
        : user.Is(Role.ProviderAdmin, Role.ReleaseManager) || (user.Is(Role.TenantAdmin) && user.TenantId == tenant);

    void EnsureCanWrite(Guid? tenant)
    {
        if (!CanWrite(tenant))
        {
            throw new ForbiddenException(tenant is null
                ? "Service-wide blackout windows are set by release managers and provider admins."
                : "A tenant's blackout windows are set by its admins, release managers and provider admins.");
        }
    }

    static (string Title, DateTimeOffset Start, DateTimeOffset End) Validate(BlackoutInput input, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > 200)
        {
            errors["title"] = ["Name the window (1 to 200 characters), e.g. 'Quarter close'."];
        }
        if (input.Start is null)
        {
            errors["start"] = ["Give the start of the window."];
        }
        if (input.End is null)
        {
            errors["end"] = ["Give the end of the window."];
        }
        else if (input.Start is { } s && input.End <= s)
        {
            errors["end"] = ["The end must be after the start."];
        }
        else if (input.End <= now)
        {
            errors["end"] = ["The window has ended: it would hold nothing back."];
        }
        else if (input.Start is { } s2 && input.End - s2 > TimeSpan.FromDays(366))
        {
            errors["end"] = ["A window lasts at most 366 days."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        return (title, input.Start!.Value.ToUniversalTime(), input.End!.Value.ToUniversalTime());
    }

    public async Task<BlackoutView> CreateBlackoutAsync(BlackoutInput input, CancellationToken ct)
    {
        var tenant = user.IsProvider ? input.TenantId : user.TenantId;
        if (!user.IsProvider && input.TenantId is { } other && other != user.TenantId)
        {
            throw new ForbiddenException("A tenant's admins set blackout windows for their own tenant only.");
        }
        EnsureCanWrite(tenant);
        if (tenant is { } t && !await db.Tenants.AnyAsync(x => x.Id == t, ct))
        {
            throw ValidationFailedException.For("tenantId", $"Unknown tenant {t}.");
        }
        var now = clock.GetUtcNow();
        var (title, start, end) = Validate(input, now);
        var window = new BlackoutWindow { TenantId = tenant, Title = title, Start = start, End = end, CreatedAt = now, UpdatedAt = now, CreatedBy = user.Name };
        db.BlackoutWindows.Add(window);
        db.AuditOperation = tenant is null ? "Add service-wide blackout window" : "Add blackout window";
        await db.SaveChangesAsync(ct);
        wakeUp.Notify();
        return ToView(window, await ConflictsOfAsync(window, ct));
    }

    public async Task<BlackoutView> UpdateBlackoutAsync(Guid id, BlackoutInput input, CancellationToken ct)
    {
        var window = await db.BlackoutWindows.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException("Blackout window", id);
        EnsureCanWrite(window.TenantId);
        if (input.TenantId != window.TenantId && input.TenantId is not null)
        {
            throw ValidationFailedException.For("tenantId", "A window keeps its tenant: delete it and add another.");
        }
        var now = clock.GetUtcNow();
        var (title, start, end) = Validate(input, now);
        window.Title = title;
        window.Start = start;
        window.End = end;
        window.UpdatedAt = now;
        db.AuditOperation = "Edit blackout window";
        await db.SaveChangesAsync(ct);
        wakeUp.Notify();
        return ToView(window, await ConflictsOfAsync(window, ct));
    }

    public async Task DeleteBlackoutAsync(Guid id, CancellationToken ct)
    {
        var window = await db.BlackoutWindows.FirstOrDefaultAsync(w => w.Id == id, ct) ?? throw new NotFoundException("Blackout window", id);
        EnsureCanWrite(window.TenantId);
        db.BlackoutWindows.Remove(window);
        db.AuditOperation = "Delete blackout window";
        await db.SaveChangesAsync(ct);
        wakeUp.Notify();
    }

    /// <summary>The rings of releases still to run whose planned start falls inside this window.</summary>
    async Task<List<BlackoutConflict>> ConflictsOfAsync(BlackoutWindow window, CancellationToken ct) =>
        (await releases.ConflictsAsync(r => r.PlannedStart < window.End, int.MaxValue, ct)).Where(c => c.WindowId == window.Id).ToList();
}
