using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Releases.Edit;

/// <summary>What a release manager submits to create or edit a release.</summary>
public sealed record ReleaseInput
{
    [MaxLength(InputBounds.Name)] public string? Title { get; init; }
    [MaxLength(InputBounds.Markdown)] public string? Description { get; init; }
    [MaxLength(InputBounds.Key)] public string? Kind { get; init; }
    public DateTimeOffset? PlannedStart { get; init; }
    public bool? TargetsAllTenants { get; init; }
    [MaxLength(InputBounds.BulkItems)] public List<Guid>? TargetTenantIds { get; init; }
    [MaxLength(InputBounds.ManyItems)] public List<int>? ChangeIds { get; init; }
    public double? MaxInstallFailurePercent { get; init; }
    public double? MaxReliabilityEventsPer1000 { get; init; }
    public double? MaxSupportRequestsPer1000 { get; init; }
    public int? MinDevices { get; init; }
}

/// <summary>The content of a release as creating and editing check and apply it: fields, targets, changes and the schedule notice.</summary>
public sealed class ReleaseContent(ChangeDeskDb db, ReleaseOptions options)
{
    public sealed record Valid(string Title, string Description, bool TargetsAll, List<Guid> Targets, List<int> ChangeIds);

    /// <summary>Checks the input, adding to <paramref name="errors"/> (which may hold the caller's own); throws them all at once.</summary>
    public async Task<Valid> ValidateAsync(ReleaseInput input, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        var title = input.Title?.Trim() ?? "";
        if (title.Length is 0 or > 200)
        {
            errors["title"] = ["A release needs a title of 1 to 200 characters."];
        }
        var description = input.Description?.Trim() ?? "";
        if (description.Length > 20_000)
        {
            errors["description"] = ["The description must be 20,000 characters or fewer."];
        }
        if (input.MaxInstallFailurePercent is { } f && (f < 0 || f > 100 || double.IsNaN(f)))
        {
            errors["maxInstallFailurePercent"] = ["A percent between 0 and 100."];
        }
        if (input.MaxReliabilityEventsPer1000 is { } r && (r < 0 || r > 1000 || double.IsNaN(r)))
        {
            errors["maxReliabilityEventsPer1000"] = ["Between 0 and 1,000 events per 1,000 devices."];
        }
        if (input.MaxSupportRequestsPer1000 is { } s && (s < 0 || s > 1000 || double.IsNaN(s)))
        {
            errors["maxSupportRequestsPer1000"] = ["Between 0 and 1,000 requests per 1,000 devices."];
        }
        if (input.MinDevices is < 0 or > 1_000_000)
        {
            errors["minDevices"] = ["Between 0 and 1,000,000 devices."];
        }
        var targets = (input.TargetTenantIds ?? []).Distinct().ToList();
        var all = input.TargetsAllTenants ?? targets.Count == 0;
        if (!all && targets.Count == 0)
        {
            errors["targetTenantIds"] = ["Name the tenants the release reaches, or set targetsAllTenants."];
        }
        if (all && targets.Count > 0)
        {
            errors["targetTenantIds"] = ["A release that reaches every tenant names no tenants."];
        }
        if (targets.Count > 0)
        {
            var known = await db.Tenants.Where(t => targets.Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
            if (targets.Except(known).ToList() is { Count: > 0 } unknown)
            {
                errors["targetTenantIds"] = [$"Unknown tenant(s): {string.Join(", ", unknown)}."];
            }
        }
        var changeIds = (input.ChangeIds ?? []).Distinct().ToList();
        await ReleaseWrites.CheckChangesAsync(db, changeIds, errors, "changeIds", ct);
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        return new Valid(title, description, all, all ? [] : targets, changeIds);
    }

    /// <summary>A scheduled release is announced the schedule notice ahead of its start; an out-of-band one needs none.</summary>
    public void CheckNotice(DateTimeOffset plannedStart, DateTimeOffset now)
    {
        var earliest = NoticePolicy.EarliestAllowedStart(now, options.ScheduleNoticeDays, options.Zone);
        if (plannedStart < earliest)
        {
            throw new RuleViolationException("notice-period", "Too little notice for a scheduled release.",
                $"A scheduled release is announced {options.ScheduleNoticeDays} days before it starts. The earliest allowed start is {RolloutEngine.When(earliest)}; "
                + "move the planned start, or create an out-of-band release for an emergency.")
            {
                Extensions = { ["earliestAllowedStart"] = earliest, ["noticeDays"] = options.ScheduleNoticeDays },
                Errors = { ["plannedStart"] = [$"Must be {RolloutEngine.When(earliest)} or later ({options.ScheduleNoticeDays} days' notice)."] },
            };
        }
    }

    public static void Apply(Release release, ReleaseInput input, Valid valid)
    {
        release.Title = valid.Title;
        release.Description = valid.Description;
        release.MaxInstallFailurePercent = input.MaxInstallFailurePercent;
        release.MaxReliabilityEventsPer1000 = input.MaxReliabilityEventsPer1000;
        release.MaxSupportRequestsPer1000 = input.MaxSupportRequestsPer1000;
        release.MinDevices = input.MinDevices;
        release.TargetsAllTenants = valid.TargetsAll;
        release.Targets.RemoveAll(t => !valid.Targets.Contains(t.TenantId));
        foreach (var t in valid.Targets.Where(t => release.Targets.All(x => x.TenantId != t)))
        {
            release.Targets.Add(new ReleaseTarget { ReleaseId = release.Id, TenantId = t });
        }
    }
}
