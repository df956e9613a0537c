using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// A tenant's admin files a break/fix request for the tenant, optionally linked to a change or release it can see.
/// The request gets the next number and its first-response target; support engineers and webhooks hear of it.
/// </summary>
public sealed class FileSupportRequest(
    ChangeDeskDb db, CurrentUser user, TimeProvider clock, SupportOptions options, SupportNotifications notify, SupportRequestReader reader,
    Releases.RolloutWakeUp rollouts)
{
    /// <summary>A tenant's admins file requests, for their own tenant.</summary>
    public static bool MayFile(CurrentUser user) => user.Is(Role.TenantAdmin) && user.TenantId is not null;

    public async Task<SupportRequestView> HandleAsync(SupportRequestInput input, CancellationToken ct = default)
    {
        // The same bounds as the API's, for the pages that call this too.
        InputBounds.Check(input);
        if (!MayFile(user))
        {
            throw new ForbiddenException($"Your role ({user.Role?.Name() ?? "none"}) cannot file support requests: a tenant's admins file them for their tenant.");
        }
        var tenant = user.TenantId!.Value;
        var me = await db.Users.AsNoTracking().Where(u => u.Id == user.Id).Select(u => new { u.Email, u.DisplayName }).FirstAsync(ct);
        var valid = input.Validate(me.DisplayName, me.Email);
        // The change filter decides what the tenant can see: its own changes and the provider's announced changes
        // that target it.
        if (valid.ChangeId is { } changeId && !await db.Changes.AnyAsync(c => c.Id == changeId, ct))
        {
            throw ValidationFailedException.For("changeId", $"There is no change {changeId} that your tenant can see: link one of your tenant's changes or the provider's changes announced to it.");
        }
        // The release filter likewise: releases that reach the tenant.
        if (valid.ReleaseId is { } releaseId && !await db.Releases.AnyAsync(r => r.Id == releaseId, ct))
        {
            throw ValidationFailedException.For("releaseId", $"There is no release {releaseId} that reaches your tenant: link one of the releases listed under Releases.");
        }

        var request = await db.WriteAsync("File support request", async () =>
        {
            var number = await db.NextNumberAsync(NumberSeries.SupportRequest, ct);
            var now = clock.GetUtcNow();
            var filed = new SupportRequest
            {
                Number = number,
                TenantId = tenant,
                Title = valid.Title,
                Description = valid.Description,
                Severity = valid.Severity,
                AffectedUsers = valid.AffectedUsers,
                ChangeId = valid.ChangeId,
                ReleaseId = valid.ReleaseId,
                ContactName = valid.ContactName,
                ContactEmail = valid.ContactEmail,
                ContactPhone = valid.ContactPhone,
                CreatedById = user.Id ?? Guid.Empty,
                CreatedByName = user.Name,
                CreatedAt = now,
                UpdatedAt = now,
                FirstResponseDueAt = FirstResponsePolicy.DueAt(now, valid.Severity, options.FirstResponseHours),
            };
            db.SupportRequests.Add(filed);
            await notify.FiledAsync(filed, now, ct);
            db.AuditOperation = $"File support request {filed.Reference}";
            return filed;
        }, ct);
        if (request.ReleaseId is not null)
        {
            // A request against a release is one of its signals: let the rollout job judge it now.
            rollouts.Notify();
        }
        return await reader.GetAsync(request.Reference, ct);
    }
}
