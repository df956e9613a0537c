using ChangeDesk.Data;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Changes.Checklist;

/// <summary>Writes a change's checklist: the items of each phase it enters, kept in step with its recipients.</summary>
public sealed class ChecklistTasks(ChangeDeskDb db, MatrixService matrices, ChangeRecipients recipients)
{
    /// <summary>The tenants owing recipient items now, to compare with after an edit (<see cref="RetargetAsync"/>).</summary>
    public Task<IReadOnlyList<Guid>> OwingAsync(Change change, CancellationToken ct) => recipients.OwingChecklistAsync(change, ct);

    /// <summary>
    /// Keeps the checklist in step with the targets of an announced change: a tenant added later gets the items of
    /// the phases already reached, and a tenant no longer targeted stops owing the items it has not done.
    /// </summary>
    public async Task RetargetAsync(Change change, ChangeType type, IReadOnlyList<Guid> before, DateTimeOffset now, CancellationToken ct)
    {
        var after = await OwingAsync(change, ct);
        var removed = before.Except(after).ToHashSet();
        change.Tasks.RemoveAll(t => t.Party == Party.Customer && t.CompletedAt is null && t.TenantId is { } id && removed.Contains(id));
        var added = after.Except(before).ToList();
        if (added.Count == 0)
        {
            return;
        }
        foreach (var phase in change.Tasks.Select(t => t.Phase).Distinct().ToList())
        {
            await AddPhaseAsync(change, type, phase, now, added, ct);
        }
    }

    public async Task AddPhaseAsync(Change change, ChangeType type, Phase phase, DateTimeOffset now, IReadOnlyList<Guid>? onlyTenants, CancellationToken ct)
    {
        var owing = onlyTenants ?? await OwingAsync(change, ct);
        var matrixFor = await matrices.ForTenantsAsync(owing.ToList(), ct);
        var first = change.Tasks.Where(t => t.Phase == phase).Select(t => t.Ordinal + 1).DefaultIfEmpty(0).Max();
        var only = onlyTenants?.ToHashSet();
        var items = ChecklistTemplate.For(phase, new(change, type, matrixFor, owing))
            .Where(i => only is null || (i.Party == Party.Customer && i.TenantId is { } t && only.Contains(t)));
        // One item per targeted tenant and line of the template: tens of thousands for a change to every tenant.
        db.AddBulk(items.Select((item, i) => new ChecklistTask
        {
            ChangeId = change.Id,
            Phase = phase,
            Party = item.Party,
            TenantId = item.TenantId,
            Text = item.Text,
            Ordinal = first + i,
            CreatedAt = now,
        }));
    }
}

/// <summary>Announcing, starting and completing a change give it the checklist of the phase it enters, once.</summary>
public sealed class AddPhaseChecklist(ChecklistTasks checklist, ChangeAccess access) : IDomainEventHandler<ChangeTransitioned>
{
    public async Task HandleAsync(ChangeTransitioned e, CancellationToken ct)
    {
        if (ChecklistTemplate.PhaseEnteredBy(e.Action) is { } phase && !e.Change.Tasks.Any(t => t.Phase == phase))
        {
            await checklist.AddPhaseAsync(e.Change, await access.TypeAsync(e.Change, ct), phase, e.At, null, ct);
        }
    }
}
