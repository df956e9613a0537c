using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Changes;

/// <summary>
/// Everything users do to changes, for the API and the web pages alike: who may do it (roles and the
/// responsibility matrix), the lifecycle, the notice and emergency rules, and the phase checklists.
/// </summary>
public sealed class ChangeWorkflow(
    ChangeDeskDb db, CurrentUser user, MatrixService matrices, MessagePublisher messages, Approvals.ApprovalService approvals, Notifications.Notifier notifier,
    TimeProvider clock, ServiceOptions options, MarkdownRenderer markdown)
{
    public async Task<ChangePage> ListAsync(ChangeFilter filter, CancellationToken ct = default)
    {
        var query = db.Changes.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.State))
        {
            query = EnumNames.TryParse<ChangeState>(filter.State, out var state)
                ? query.Where(c => c.State == state)
                : throw ValidationFailedException.For("state", $"State must be one of {EnumNames.List<ChangeState>()}.");
        }
        if (!string.IsNullOrWhiteSpace(filter.Type))
        {
            var type = filter.Type.Trim().ToLowerInvariant();
            query = ChangeTypeCatalog.Keys.Contains(type)
                ? query.Where(c => c.TypeKey == type)
                : throw ValidationFailedException.For("type", $"Type must be one of {string.Join(", ", ChangeTypeCatalog.Keys)}.");
        }
        if (!string.IsNullOrWhiteSpace(filter.Scope))
        {
            query = EnumNames.TryParse<Scope>(filter.Scope, out var scope)
                ? query.Where(c => c.Scope == scope)
                : throw ValidationFailedException.For("scope", $"Scope must be one of {EnumNames.List<Scope>()}.");
        }
        if (filter.TenantId is { } other && !user.IsProvider && other != user.TenantId)
        {
            // A customer may only ask about its own tenant.
            query = query.Where(_ => false);
        }
        else if (filter.TenantId is { } tenant)
        {
            query = query.Where(c => c.OwnerTenantId == tenant || (c.OwnerTenantId == null && (c.TargetsAllTenants || c.Targets.Any(t => t.TenantId == tenant))));
        }
        if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            var q = filter.Q.Trim().ToLower();
            query = query.Where(c => c.Title.ToLower().Contains(q) || c.Description.ToLower().Contains(q));
        }
        if (filter.Top is < 1 or > 500)
        {
            throw ValidationFailedException.For("top", "Top must be between 1 and 500.");
        }
        if (filter.Skip < 0)
        {
            throw ValidationFailedException.For("skip", "Skip must not be negative.");
        }
        var total = await query.CountAsync(ct);
        var items = await query
            .OrderByDescending(c => c.PlannedStart).ThenByDescending(c => c.Id)
            .Skip(filter.Skip).Take(filter.Top)
            .Select(c => new ChangeSummary(c.Id, "CHG-" + c.Id, c.Title, c.TypeKey, c.Subtype, c.Scope, c.State, c.Severity, c.IsEmergency,
                c.IsMajorChange, c.AdminActionRequired, c.OwnerTenantId == null ? Party.Provider : Party.Customer, c.OwnerTenantId,
                c.PlannedStart, c.PlannedEnd, c.UpdatedAt))
            .ToListAsync(ct);
        return new ChangePage(items, total, filter.Skip, filter.Top);
    }

    public async Task<ChangeView> GetAsync(int id, CancellationToken ct = default)
    {
        var change = await LoadAsync(id, tracking: false, ct);
        return await ToViewAsync(change, ct);
    }

    public async Task<ChangeView> CreateAsync(ChangeInput input, CancellationToken ct = default)
    {
        EnsureCanAuthor();
        var ownerTenant = user.IsProvider ? null : user.TenantId;
        var valid = input.Validate(await TypesAsync(ct), customerOwned: ownerTenant is not null);
        await EnsureTargetsExistAsync(valid.TargetTenantIds, ct);
        await EnsureResponsibleAsync(valid.Type, valid.Scope, ownerTenant, valid.TargetTenantIds, ct);
        var now = clock.GetUtcNow();
        var change = new Change
        {
            Title = valid.Title, TypeKey = valid.Type.Key, Subtype = valid.Subtype, OwnerTenantId = ownerTenant,
            CreatedById = user.Id ?? Guid.Empty, CreatedAt = now, UpdatedAt = now, State = ChangeState.Draft,
        };
        Apply(change, valid);
        db.Changes.Add(change);
        db.AuditOperation = "Create change";
        await db.SaveChangesAsync(ct);
        return await GetAsync(change.Id, ct);
    }

    public async Task<ChangeView> UpdateAsync(int id, ChangeInput input, string? ifMatch, CancellationToken ct = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var change = await LoadAsync(id, tracking: true, ct);
        EntityTags.CheckIfMatch(ifMatch, change.Version);
        EnsureCanWrite(change);
        if (!ChangeStateMachine.IsEditable(change.State))
        {
            throw new ConflictException("not-editable", $"{change.Number} is {EnumNames.Of(change.State)} and can no longer be edited.");
        }
        var valid = input.Validate(await TypesAsync(ct), customerOwned: change.OwnerTenantId is not null);
        await EnsureTargetsExistAsync(valid.TargetTenantIds, ct);
        await EnsureResponsibleAsync(valid.Type, valid.Scope, change.OwnerTenantId, valid.TargetTenantIds, ct);
        var renotified = valid.PlannedStart != change.PlannedStart
            || (valid.AdminActionRequired && !change.AdminActionRequired)
            || (change.IsEmergency && !valid.IsEmergency);
        if (change.State != ChangeState.Draft && renotified)
        {
            // Moving an announced change, or newly asking admins to act on it without the emergency exemption, is a
            // new notice: the notice period counts again from now.
            CheckNotice(valid.PlannedStart, valid.AdminActionRequired, valid.IsEmergency, valid.Type);
        }
        var recipientsBefore = await RecipientsAsync(change, ct);
        change.Title = valid.Title;
        change.TypeKey = valid.Type.Key;
        change.Subtype = valid.Subtype;
        Apply(change, valid);
        await RetargetTasksAsync(change, valid.Type, recipientsBefore, ct);
        Touch(change);
        await messages.ReviseAsync(change, valid.Type, clock.GetUtcNow(), ct);
        if (change.State != ChangeState.Draft)
        {
            await approvals.SyncDeadlineAsync(change, ct);
            await approvals.RequestAsync(change, await messages.RecipientsAsync(change, ct), clock.GetUtcNow(), ct);
        }
        db.AuditOperation = "Edit change";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    void Apply(Change change, ChangeInput.Valid v)
    {
        change.Description = v.Description;
        change.Scope = v.Scope;
        change.TargetsAllTenants = v.TargetsAllTenants;
        var wanted = v.TargetTenantIds.ToHashSet();
        change.Targets.RemoveAll(t => !wanted.Contains(t.TenantId));
        foreach (var t in wanted.Where(t => change.Targets.All(x => x.TenantId != t)))
        {
            change.Targets.Add(new ChangeTarget { ChangeId = change.Id, TenantId = t });
        }
        change.Services = v.Services;
        change.AdminActionRequired = v.AdminActionRequired;
        change.AdminAction = v.AdminAction;
        change.Consent = v.Consent;
        change.ActionRequiredBy = v.ActionRequiredBy;
        change.PlannedStart = v.PlannedStart;
        change.PlannedEnd = v.PlannedEnd;
        change.IsEmergency = v.IsEmergency;
        change.Severity = v.Severity;
        change.IsMajorChange = v.IsMajorChange;
        change.MessageCategory = v.Category;
        change.ExtraTags = v.Tags;
    }

    public async Task<ChangeView> TransitionAsync(int id, ChangeAction action, string? ifMatch, CancellationToken ct = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var change = await LoadAsync(id, tracking: true, ct);
        EntityTags.CheckIfMatch(ifMatch, change.Version);
        EnsureCanWrite(change);
        if (!ChangeStateMachine.TryNext(change.State, action, out var next))
        {
            var allowed = ChangeStateMachine.AllowedFrom(change.State);
            throw new ConflictException("invalid-transition",
                $"{change.Number} is {EnumNames.Of(change.State)}: it cannot {EnumNames.Of(action)}. "
                + (allowed.Count == 0 ? "No further action is possible." : $"Allowed now: {string.Join(", ", allowed.Select(EnumNames.Of))}."))
            {
                Extensions = { ["currentState"] = EnumNames.Of(change.State), ["allowedActions"] = allowed.Select(EnumNames.Of).ToArray() },
            };
        }
        var type = (await TypesAsync(ct))[change.TypeKey];
        var now = clock.GetUtcNow();
        if (action == ChangeAction.Announce)
        {
            EmergencyRule.Enforce(change.IsEmergency, change.Mitigations.Select(m => m.AppliedAt), now, EmergencySubject.Change(change.Number, change.Id));
            CheckNotice(change.PlannedStart, change.AdminActionRequired, change.IsEmergency, type);
            change.AnnouncedAt = now;
        }
        if (action == ChangeAction.Start && await approvals.HoldersAsync(change, ct) is { Count: > 0 } holders)
        {
            throw new ConflictException("approval-pending",
                $"{change.Number} needs every targeted tenant's approval before it starts. Held back by: "
                + string.Join("; ", holders.Select(h => $"{h.TenantName} ({EnumNames.Of(h.State)}{(h.Reason is null ? "" : $": {h.Reason}")})")) + ".")
            {
                Extensions =
                {
                    ["heldBy"] = holders.Select(h => new { tenantId = h.TenantId, tenant = h.TenantName, state = EnumNames.Of(h.State), reason = h.Reason }).ToArray(),
                },
            };
        }
        change.State = next;
        Touch(change);
        if (ChecklistTemplate.PhaseEnteredBy(action) is { } phase && !change.Tasks.Any(t => t.Phase == phase))
        {
            await AddPhaseTasksAsync(change, type, phase, now, null, ct);
        }
        if (action == ChangeAction.Announce)
        {
            await messages.PublishAsync(change, type, now, ct);
            await approvals.RequestAsync(change, await messages.RecipientsAsync(change, ct), now, ct);
        }
        else if (action is ChangeAction.Pause or ChangeAction.Resume or ChangeAction.Cancel or ChangeAction.Rollback)
        {
            await messages.ReviseAsync(change, type, now, ct);
        }
        await notifier.WebhookAsync(Notifications.WebhookEvents.ChangeTransitioned, change.OwnerTenantId, change.Id, $"{change.Id}:v{change.Version}",
            new { changeId = change.Id, changeNumber = change.Number, title = change.Title, action = EnumNames.Of(action), state = EnumNames.Of(change.State) }, now, ct);
        db.AuditOperation = $"{action} change";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    void CheckNotice(DateTimeOffset plannedStart, bool adminAction, bool emergency, ChangeType type)
    {
        var decision = NoticePolicy.Check(clock.GetUtcNow(), plannedStart, adminAction, emergency, type.NoticeDays, options.Zone);
        if (!decision.IsAllowed)
        {
            var earliest = decision.EarliestAllowedStart!.Value;
            throw new RuleViolationException("notice-period", "Too little notice for a change that requires admin action.",
                $"A {type.Name.ToLowerInvariant()} change that requires administrator action must be announced {type.NoticeDays} days before it starts. "
                + $"The earliest allowed start is {earliest:yyyy-MM-dd HH:mm} UTC; move the planned start to then or later, or mark the change as an emergency.")
            {
                Extensions = { ["earliestAllowedStart"] = earliest, ["noticeDays"] = type.NoticeDays },
                Errors = { ["plannedStart"] = [$"Must be {earliest:yyyy-MM-dd HH:mm} UTC or later ({type.NoticeDays} days' notice)."] },
            };
        }
    }

    async Task<IReadOnlyList<Guid>> RecipientsAsync(Change change, CancellationToken ct) =>
        change.OwnerTenantId is not null ? []
            : change.TargetsAllTenants ? await db.Tenants.IgnoreQueryFilters().OrderBy(t => t.Name).Select(t => t.Id).ToListAsync(ct)
            : change.Targets.Select(t => t.TenantId).ToList();

    /// <summary>
    /// Keeps the checklist in step with the targets of an announced change: a tenant added later gets the items of
    /// the phases already reached, and a tenant no longer targeted stops owing the items it has not done.
    /// </summary>
    async Task RetargetTasksAsync(Change change, ChangeType type, IReadOnlyList<Guid> before, CancellationToken ct)
    {
        var after = await RecipientsAsync(change, ct);
        var removed = before.Except(after).ToHashSet();
        change.Tasks.RemoveAll(t => t.Party == Party.Customer && t.CompletedAt is null && t.TenantId is { } id && removed.Contains(id));
        var added = after.Except(before).ToList();
        if (added.Count == 0)
        {
            return;
        }
        foreach (var phase in change.Tasks.Select(t => t.Phase).Distinct().ToList())
        {
            await AddPhaseTasksAsync(change, type, phase, clock.GetUtcNow(), added, ct);
        }
    }

    async Task AddPhaseTasksAsync(Change change, ChangeType type, Phase phase, DateTimeOffset now, IReadOnlyList<Guid>? onlyTenants, CancellationToken ct)
    {
        var recipients = onlyTenants ?? await RecipientsAsync(change, ct);
        var matrixFor = await matrices.ForTenantsAsync(recipients.ToList(), ct);
        var first = change.Tasks.Where(t => t.Phase == phase).Select(t => t.Ordinal + 1).DefaultIfEmpty(0).Max();
        var only = onlyTenants?.ToHashSet();
        var items = ChecklistTemplate.For(phase, new(change, type, matrixFor, recipients))
            .Where(i => only is null || (i.Party == Party.Customer && i.TenantId is { } t && only.Contains(t)));
        // One item per targeted tenant and line of the template: tens of thousands for a change to every tenant.
        db.AddBulk(items.Select((item, i) => new ChecklistTask
        {
            ChangeId = change.Id, Phase = phase, Party = item.Party, TenantId = item.TenantId, Text = item.Text, Ordinal = first + i, CreatedAt = now,
        }));
    }

    public async Task<ChangeView> AddMitigationAsync(int id, string? description, DateTimeOffset? appliedAt, string? ifMatch, CancellationToken ct = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var change = await LoadAsync(id, tracking: true, ct);
        EntityTags.CheckIfMatch(ifMatch, change.Version);
        EnsureCanWrite(change);
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(description) || description.Length > 5000)
        {
            errors["description"] = ["Describe the mitigation that was applied (1 to 5,000 characters)."];
        }
        if (appliedAt > now)
        {
            errors["appliedAt"] = ["A mitigation is recorded once applied: appliedAt must not be in the future."];
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        if (ChangeStateMachine.IsTerminal(change.State))
        {
            throw new ConflictException("not-editable", $"{change.Number} is {EnumNames.Of(change.State)}: mitigations can no longer be added.");
        }
        change.Mitigations.Add(new Mitigation
        {
            ChangeId = change.Id, OwnerTenantId = change.OwnerTenantId, Description = description!.Trim(),
            AppliedAt = (appliedAt ?? now).ToUniversalTime(), RecordedAt = now, RecordedById = user.Id ?? Guid.Empty,
        });
        Touch(change);
        await messages.ReviseAsync(change, (await TypesAsync(ct))[change.TypeKey], now, ct);
        db.AuditOperation = "Record mitigation";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return await GetAsync(id, ct);
    }

    public async Task<ChangeView> CompleteTaskAsync(int id, Guid taskId, CancellationToken ct = default)
    {
        var change = await LoadAsync(id, tracking: true, ct);
        var task = change.Tasks.FirstOrDefault(t => t.Id == taskId) ?? throw new NotFoundException("Checklist task", taskId);
        if (!CanComplete(task))
        {
            throw new ForbiddenException(task.Party == Party.Provider
                ? "This task belongs to the provider: only provider staff can record it as done."
                : "This task belongs to a customer tenant: only that tenant's admins can record it as done.");
        }
        if (task.CompletedAt is null)
        {
            task.CompletedAt = clock.GetUtcNow();
            task.CompletedById = user.Id;
            task.CompletedByName = user.Name;
            Touch(change);
            db.AuditOperation = "Complete checklist task";
            await db.SaveChangesAsync(ct);
        }
        return await GetAsync(id, ct);
    }

    bool CanComplete(ChecklistTask task) => task.Party == Party.Provider
        ? user.Is(Role.ProviderAdmin, Role.ReleaseManager, Role.SupportEngineer)
        : user.Is(Role.TenantAdmin) && user.TenantId == task.TenantId;

    async Task<Change> LoadAsync(int id, bool tracking, CancellationToken ct)
    {
        var query = db.Changes.Include(c => c.Targets).Include(c => c.Mitigations).Include(c => c.Tasks).AsSplitQuery();
        return await (tracking ? query : query.AsNoTracking()).FirstOrDefaultAsync(c => c.Id == id, ct)
            ?? throw new NotFoundException("Change", id);
    }

    async Task<Dictionary<string, ChangeType>> TypesAsync(CancellationToken ct) =>
        await db.ChangeTypes.AsNoTracking().ToDictionaryAsync(t => t.Key, ct);

    void Touch(Change change)
    {
        change.Version++;
        change.UpdatedAt = clock.GetUtcNow();
    }

    void EnsureCanAuthor()
    {
        if (!user.Is(Role.ProviderAdmin, Role.ReleaseManager, Role.TenantAdmin))
        {
            throw new ForbiddenException($"Your role ({user.Role?.Name() ?? "none"}) cannot create or change changes: release managers, provider admins and tenant admins can.");
        }
    }

    bool CanWrite(Change change) => change.OwnerTenantId is null
        ? user.Is(Role.ProviderAdmin, Role.ReleaseManager)
        : user.Is(Role.TenantAdmin) && user.TenantId == change.OwnerTenantId;

    void EnsureCanWrite(Change change)
    {
        if (!CanWrite(change))
        {
            throw new ForbiddenException(change.OwnerTenantId is null
                ? "This change belongs to the provider: only its release managers and provider admins can change it."
                : "This change belongs to a customer tenant: only that tenant's admins can change it.");
        }
    }

    async Task EnsureTargetsExistAsync(List<Guid> tenantIds, CancellationToken ct)
    {
        if (tenantIds.Count == 0)
        {
            return;
        }
        var known = await db.Tenants.Where(t => EF.Parameter(tenantIds).Contains(t.Id)).Select(t => t.Id).ToListAsync(ct);
        var unknown = tenantIds.Except(known).ToList();
        if (unknown.Count > 0)
        {
            throw ValidationFailedException.For("targetTenantIds", $"Unknown tenant(s): {string.Join(", ", unknown)}.");
        }
    }

    /// <summary>The matrix decides who may deliver a change: the party responsible for the type's activity in its scope.</summary>
    async Task EnsureResponsibleAsync(ChangeType type, Scope scope, Guid? ownerTenant, List<Guid> targets, CancellationToken ct)
    {
        var party = ownerTenant is null ? Party.Provider : Party.Customer;
        var activity = type.DeliveringActivity;
        var scopes = await matrices.ScopesAsync(ct);
        var scopeName = scopes.First(s => s.Key == scope).Name;
        var checkedTenants = ownerTenant is { } own ? [own] : targets;
        var matrixFor = await matrices.ForTenantsAsync(checkedTenants, ct);
        var serviceWide = await matrices.ForTenantAsync(null, ct);
        var refusedBy = ownerTenant is null && !serviceWide.IsResponsible(party, activity, scope) ? "the service-wide matrix"
            : checkedTenants.Where(t => !matrixFor(t).IsResponsible(party, activity, scope)).Select(t => $"tenant {t}'s matrix").FirstOrDefault();
        if (refusedBy is not null)
        {
            var who = party == Party.Provider ? "the provider" : "a customer";
            throw new ProblemException(403, "responsibility", "Not your party's responsibility.",
                $"Under {refusedBy}, '{ResponsibilityMatrix.Describe(activity)}' in scope '{scopeName}' is not {who}'s responsibility, so {who} cannot create or change a {type.Name.ToLowerInvariant()} change there.")
            {
                Extensions = { ["activity"] = EnumNames.Of(activity), ["scope"] = EnumNames.Of(scope) },
            };
        }
    }

    async Task<ChangeView> ToViewAsync(Change c, CancellationToken ct)
    {
        var tenantIds = c.Tasks.Where(t => t.TenantId != null).Select(t => t.TenantId!.Value).Distinct().ToList();
        var tenantNames = await db.Tenants.Where(t => EF.Parameter(tenantIds).Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var canWrite = CanWrite(c);
        var messageId = await db.Messages.Where(m => m.ChangeId == c.Id).Select(m => m.Id).FirstOrDefaultAsync(ct);
        // A customer sees whether it is targeted, never which other tenants are.
        var targets = user.IsProvider ? c.Targets.Select(t => t.TenantId).ToList()
            : c.Targets.Where(t => t.TenantId == user.TenantId).Select(t => t.TenantId).ToList();
        return new ChangeView(c.Id, c.Number, c.Title, c.Description, markdown.ToHtml(c.Description), c.TypeKey, c.Subtype, c.Scope,
            c.OwnerParty, c.OwnerTenantId, c.TargetsAllTenants, targets, c.Services, c.AdminActionRequired, c.AdminAction, c.Consent,
            c.ActionRequiredBy, c.PlannedStart, c.PlannedEnd, c.IsEmergency, c.Severity, c.IsMajorChange, c.State, c.Version,
            c.CreatedAt, c.UpdatedAt, c.AnnouncedAt,
            canWrite ? ChangeStateMachine.AllowedFrom(c.State) : [],
            canWrite && ChangeStateMachine.IsEditable(c.State),
            c.Mitigations.OrderBy(m => m.AppliedAt).Select(m => new MitigationView(m.Id, m.Description, m.AppliedAt, m.RecordedAt)).ToList(),
            c.Tasks.OrderBy(t => t.Phase).ThenBy(t => t.Party).ThenBy(t => t.TenantId.HasValue ? tenantNames.GetValueOrDefault(t.TenantId.Value) : "").ThenBy(t => t.Ordinal)
                .Select(t => new TaskView(t.Id, t.Phase, t.Party, t.TenantId, t.TenantId is { } tid ? tenantNames.GetValueOrDefault(tid) : null,
                    t.Text, t.CompletedAt, t.CompletedByName, t.CompletedAt is null && CanComplete(t)))
                .ToList(),
            c.MessageCategory, c.ExtraTags, messageId);
    }
}
