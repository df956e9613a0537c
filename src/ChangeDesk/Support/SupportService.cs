using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Notifications;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// Everything people do with support requests, for the API and the pages alike: filing, the provider's queue,
/// comments and internal notes, the lifecycle, assignment and the first-response target. Tenants see their own
/// requests only (query filters); writes run in one transaction with their audit records and notifications.
/// </summary>
public sealed class SupportService(
    ChangeDeskDb db, CurrentUser user, TimeProvider clock, SupportOptions options, MarkdownRenderer markdown, SupportNotifications notify,
    Releases.RolloutSignal rollouts)
{
    public const int MaxComment = 20_000;

    /// <summary>"SR-1001", "sr-1001" or "1001" → 1001.</summary>
    public static bool TryParseNumber(string? reference, out int number)
    {
        var text = reference?.Trim() ?? "";
        if (text.StartsWith(SupportRequest.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[SupportRequest.Prefix.Length..];
        }
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number) && number > 0;
    }

    // Reading

    public async Task<SupportRequestPage> ListAsync(SupportFilter filter, CancellationToken ct = default)
    {
        var errors = new Errors();
        if (filter.Top is < 1 or > 500)
        {
            errors.Add("top", "Top must be between 1 and 500.");
        }
        if (filter.Skip < 0)
        {
            errors.Add("skip", "Skip must not be negative.");
        }
        var query = db.SupportRequests.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.State))
        {
            var states = new List<SupportState>();
            foreach (var name in filter.State.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (name.Equals("open", StringComparison.OrdinalIgnoreCase))
                {
                    states.AddRange(SupportStateMachine.OpenStates);
                }
                else if (EnumNames.TryParse<SupportState>(name, out var state))
                {
                    states.Add(state);
                }
                else
                {
                    errors.Add("state", $"Unknown state '{name}': use open or one of {EnumNames.List<SupportState>()} (comma-separated for several).");
                }
            }
            query = query.Where(r => states.Contains(r.State));
        }
        if (!string.IsNullOrWhiteSpace(filter.Severity))
        {
            var severities = new List<SupportSeverity>();
            foreach (var name in filter.Severity.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (SupportRequestInput.TryParseSeverity(name, out var severity))
                {
                    severities.Add(severity);
                }
                else
                {
                    errors.Add("severity", $"Unknown severity '{name}': use a, b or c (comma-separated for several).");
                }
            }
            query = query.Where(r => severities.Contains(r.Severity));
        }
        if (filter.TenantId is { } tenant)
        {
            query = query.Where(r => r.TenantId == tenant);
        }
        if (filter.ChangeId is { } change)
        {
            query = query.Where(r => r.ChangeId == change);
        }
        if (filter.ReleaseId is { } release)
        {
            query = query.Where(r => r.ReleaseId == release);
        }
        if (!string.IsNullOrWhiteSpace(filter.Assignee))
        {
            var assignee = filter.Assignee.Trim();
            if (assignee.Equals("unassigned", StringComparison.OrdinalIgnoreCase))
            {
                query = query.Where(r => r.AssigneeId == null);
            }
            else if (assignee.Equals("me", StringComparison.OrdinalIgnoreCase))
            {
                var me = user.Id;
                query = query.Where(r => r.AssigneeId == me);
            }
            else if (Guid.TryParse(assignee, out var id))
            {
                query = query.Where(r => r.AssigneeId == id);
            }
            else
            {
                errors.Add("assignee", "Assignee must be a user id, me or unassigned.");
            }
        }
        var now = clock.GetUtcNow();
        if (filter.Breached is { } breached)
        {
            query = breached
                ? query.Where(r => (r.FirstResponseAt != null && r.FirstResponseAt > r.FirstResponseDueAt) || (r.FirstResponseAt == null && r.FirstResponseDueAt < now))
                : query.Where(r => (r.FirstResponseAt != null && r.FirstResponseAt <= r.FirstResponseDueAt) || (r.FirstResponseAt == null && r.FirstResponseDueAt >= now));
        }
        if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            var q = filter.Q.Trim();
            if (TryParseNumber(q, out var number) && q.StartsWith(SupportRequest.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                query = query.Where(r => r.Number == number);
            }
            else
            {
                var lower = q.ToLower();
                query = query.Where(r => r.Title.ToLower().Contains(lower) || r.Description.ToLower().Contains(lower));
            }
        }
        errors.ThrowIfAny();

        var total = await query.CountAsync(ct);
        var rows = await query
            .OrderBy(r => r.Severity).ThenBy(r => r.CreatedAt).ThenBy(r => r.Number)
            .Skip(filter.Skip).Take(filter.Top)
            .Select(r => new
            {
                r.Id, r.Number, r.TenantId, TenantName = db.Tenants.Where(t => t.Id == r.TenantId).Select(t => t.Name).FirstOrDefault(),
                r.Title, r.Severity, r.State, r.AffectedUsers, r.ChangeId, r.ReleaseId, r.AssigneeId, r.AssigneeName, r.CreatedAt, r.UpdatedAt,
                r.FirstResponseDueAt, r.FirstResponseAt,
            })
            .ToListAsync(ct);
        var items = rows.Select(r => new SupportRequestSummary(r.Id, SupportRequest.Prefix + r.Number, r.TenantId, r.TenantName ?? "", r.Title,
                r.Severity, r.State, r.AffectedUsers, r.ChangeId, r.ReleaseId, r.AssigneeId, r.AssigneeName, r.CreatedAt, r.UpdatedAt,
                r.FirstResponseDueAt, r.FirstResponseAt, FirstResponsePolicy.IsBreached(r.FirstResponseDueAt, r.FirstResponseAt, now)))
            .ToList();
        return new SupportRequestPage(items, total, filter.Skip, filter.Top);
    }

    public async Task<SupportRequestView> GetAsync(string reference, CancellationToken ct = default) =>
        await ToViewAsync(await LoadAsync(reference, tracking: false, ct), ct);

    /// <summary>The support engineers a request can be assigned to.</summary>
    public async Task<IReadOnlyList<SupportEngineerView>> EngineersAsync(CancellationToken ct = default)
    {
        if (!user.IsProvider)
        {
            return [];
        }
        return await db.Users.AsNoTracking()
            .Where(u => u.TenantId == null && u.Role == Role.SupportEngineer && !u.IsDisabled)
            .OrderBy(u => u.DisplayName)
            .Select(u => new SupportEngineerView(u.Id, u.DisplayName, u.Email))
            .ToListAsync(ct);
    }

    // Writing

    public bool CanFile => user.Is(Role.TenantAdmin) && user.TenantId is not null;

    public long MaxAttachmentBytes => options.MaxAttachmentBytes;

    public async Task<SupportRequestView> CreateAsync(SupportRequestInput input, CancellationToken ct = default)
    {
        if (!CanFile)
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

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Numbers are unique across instances: the write lock serialises everyone who numbers things.
        await db.LockWritesAsync(ct);
        var number = (await db.SupportRequests.IgnoreQueryFilters().MaxAsync(r => (int?)r.Number, ct) ?? 1000) + 1;
        var now = clock.GetUtcNow();
        var request = new SupportRequest
        {
            Number = number, TenantId = tenant, Title = valid.Title, Description = valid.Description, Severity = valid.Severity,
            AffectedUsers = valid.AffectedUsers, ChangeId = valid.ChangeId, ReleaseId = valid.ReleaseId,
            ContactName = valid.ContactName, ContactEmail = valid.ContactEmail, ContactPhone = valid.ContactPhone,
            State = SupportState.New, CreatedById = user.Id ?? Guid.Empty, CreatedByName = user.Name, CreatedAt = now, UpdatedAt = now,
            FirstResponseDueAt = FirstResponsePolicy.DueAt(now, valid.Severity, options.FirstResponseHours),
        };
        db.SupportRequests.Add(request);
        await notify.FiledAsync(request, now, ct);
        db.AuditOperation = $"File support request {request.Reference}";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        if (request.ReleaseId is not null)
        {
            // A request against a release is one of its signals: let the rollout job judge it now.
            rollouts.Notify();
        }
        return await GetAsync(request.Reference, ct);
    }

    public Task<SupportRequestView> CommentAsync(string reference, string? body, bool isInternal, CancellationToken ct = default) =>
        WriteAsync(reference, null, async (request, now) =>
        {
            var party = WorkingParty(request) ?? throw new ForbiddenException(
                "Comments are written by the provider's support engineers and the tenant's admins; your role reads only.");
            if (isInternal && party != Party.Provider)
            {
                throw new ForbiddenException("Internal notes are the provider's: tenants post comments, which the provider and the tenant both see.");
            }
            var text = body?.Trim() ?? "";
            if (text.Length is 0 or > MaxComment)
            {
                throw ValidationFailedException.For("body", $"A comment needs text, at most {MaxComment:N0} characters.");
            }
            if (!SupportStateMachine.TakesComments(request.State))
            {
                throw Closed(request);
            }
            var comment = AddComment(request, party, text, isInternal, now);
            if (isInternal)
            {
                // The tenant sees nothing of it: the request itself does not change.
                db.AuditOperation = $"Add internal note to {request.Reference}";
                return;
            }
            var before = request.State;
            if (party == Party.Provider)
            {
                request.FirstResponseAt ??= now;
            }
            else
            {
                request.State = SupportStateMachine.AfterCustomerComment(request.State);
            }
            Touch(request, now);
            await notify.CommentedAsync(request, comment, before, now, ct);
            db.AuditOperation = before != request.State
                ? $"Comment on {request.Reference}, back to {EnumNames.Of(request.State)}"
                : $"Comment on {request.Reference}";
        }, ct);

    public Task<SupportRequestView> TransitionAsync(string reference, SupportAction action, string? comment, string? ifMatch, CancellationToken ct = default) =>
        WriteAsync(reference, ifMatch, async (request, now) =>
        {
            var party = WorkingParty(request);
            var by = SupportStateMachine.TakenBy(action);
            if (party != by)
            {
                throw new ForbiddenException(by == Party.Provider
                    ? $"Only the provider's support engineers can {Verb(action)} a support request."
                    : $"Only the admins of the tenant that filed {request.Reference} can {Verb(action)} it.");
            }
            if (!SupportStateMachine.TryNext(request.State, action, by, out var next))
            {
                var allowed = SupportStateMachine.AllowedFrom(request.State, by);
                throw new ConflictException("invalid-transition",
                    $"{request.Reference} is {EnumNames.Of(request.State)}: it cannot {EnumNames.Of(action)}. "
                    + (allowed.Count == 0 ? "Your side has no action from this state." : $"Allowed now: {string.Join(", ", allowed.Select(EnumNames.Of))}."))
                {
                    Extensions = { ["currentState"] = EnumNames.Of(request.State), ["allowedActions"] = allowed.Select(EnumNames.Of).ToArray() },
                };
            }
            var text = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
            if (text?.Length > MaxComment)
            {
                throw ValidationFailedException.For("comment", $"A comment must be {MaxComment:N0} characters or fewer.");
            }
            var before = request.State;
            request.State = next;
            switch (action)
            {
                case SupportAction.Resolve:
                    request.ResolvedAt = now;
                    break;
                case SupportAction.Reopen:
                    request.ResolvedAt = null;
                    break;
                case SupportAction.Close:
                    request.ClosedAt = now;
                    break;
            }
            if (by == Party.Provider)
            {
                request.FirstResponseAt ??= now;
            }
            var added = text is null ? null : AddComment(request, by, text, false, now);
            Touch(request, now);
            await notify.TransitionedAsync(request, action, before, added, now, ct);
            db.AuditOperation = $"{Operation(action)} {request.Reference}";
        }, ct);

    public Task<SupportRequestView> AssignAsync(string reference, Guid? assigneeId, string? assigneeEmail, string? ifMatch, CancellationToken ct = default) =>
        WriteAsync(reference, ifMatch, async (request, now) =>
        {
            if (!user.Is(Role.SupportEngineer))
            {
                throw new ForbiddenException("Support engineers assign requests.");
            }
            if (request.State == SupportState.Closed)
            {
                throw Closed(request);
            }
            User? assignee = null;
            var email = assigneeEmail?.Trim().ToLowerInvariant();
            if (assigneeId is not null || !string.IsNullOrEmpty(email))
            {
                assignee = await db.Users.FirstOrDefaultAsync(u => assigneeId != null ? u.Id == assigneeId : u.Email == email, ct);
                if (assignee is not { TenantId: null, Role: Role.SupportEngineer, IsDisabled: false })
                {
                    throw ValidationFailedException.For(assigneeId is not null ? "assigneeId" : "assigneeEmail",
                        $"'{(object?)assigneeId ?? email}' is not an active support engineer: requests are assigned to the provider's support engineers.");
                }
            }
            if (request.AssigneeId == assignee?.Id)
            {
                return;
            }
            request.AssigneeId = assignee?.Id;
            request.AssigneeName = assignee?.DisplayName;
            Touch(request, now);
            await notify.AssignedAsync(request, assignee, now, ct);
            db.AuditOperation = assignee is null ? $"Unassign support request {request.Reference}" : $"Assign support request {request.Reference} to {assignee.DisplayName}";
        }, ct);

    /// <summary>Attaches a file for both sides to see; the people who may comment may attach.</summary>
    public Task<SupportRequestView> AttachAsync(string reference, string? fileName, string? declaredType, byte[] content, CancellationToken ct = default) =>
        WriteAsync(reference, null, async (request, now) =>
        {
            var party = WorkingParty(request) ?? throw new ForbiddenException(
                "Files are attached by the provider's support engineers and the tenant's admins; your role reads only.");
            if (!SupportStateMachine.TakesComments(request.State))
            {
                throw Closed(request);
            }
            var (file, refusal) = AttachmentPolicy.Check(fileName, declaredType, content, options.MaxAttachmentBytes);
            if (file is null)
            {
                throw ValidationFailedException.For("file", refusal!);
            }
            if (await db.SupportAttachments.CountAsync(a => a.RequestId == request.Id, ct) >= options.MaxAttachmentsPerRequest)
            {
                throw new ConflictException("too-many-attachments",
                    $"{request.Reference} already has {options.MaxAttachmentsPerRequest} attachments, the most a request may have: put further files in a ZIP archive.");
            }
            db.SupportAttachments.Add(new SupportAttachment
            {
                RequestId = request.Id, TenantId = request.TenantId, FileName = file.FileName, ContentType = file.ContentType, Size = content.LongLength,
                Content = content, UploadedByParty = party, UploadedById = user.Id, UploadedByName = user.Name, UploadedAt = now,
            });
            Touch(request, now);
            db.AuditOperation = $"Attach {file.FileName} to {request.Reference}";
        }, ct);

    /// <summary>One attachment's content, for anyone who can see the request.</summary>
    public async Task<(string FileName, string ContentType, byte[] Content)> AttachmentAsync(string reference, Guid id, CancellationToken ct = default)
    {
        var request = await LoadAsync(reference, tracking: false, ct);
        var file = await db.SupportAttachments.AsNoTracking().Where(a => a.Id == id && a.RequestId == request.Id)
            .Select(a => new { a.FileName, a.ContentType, a.Content }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("Attachment", id);
        return (file.FileName, file.ContentType, file.Content);
    }

    /// <summary>
    /// Closes a request resolved at least <see cref="SupportOptions.AutoCloseDays"/> ago that the customer has
    /// neither closed nor reopened. Returns false when it no longer qualifies (another instance was first).
    /// </summary>
    public async Task<bool> AutoCloseAsync(Guid id, CancellationToken ct = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.LockWritesAsync(ct);
        var now = clock.GetUtcNow();
        var request = await db.SupportRequests.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (request is not { State: SupportState.Resolved, ResolvedAt: { } resolved } || options.AutoCloseDays <= 0
            || now < resolved + TimeSpan.FromDays(options.AutoCloseDays))
        {
            return false;
        }
        var before = request.State;
        request.State = SupportState.Closed;
        request.ClosedAt = now;
        Touch(request, now);
        await notify.TransitionedAsync(request, SupportAction.Close, before, null, now, ct, automatic: true);
        db.AuditOperation = $"Close support request {request.Reference} {options.AutoCloseDays} days after it was resolved";
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    async Task<SupportRequestView> WriteAsync(string reference, string? ifMatch, Func<SupportRequest, DateTimeOffset, Task> work, CancellationToken ct)
    {
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // Writers of one request queue up instead of failing on the concurrency token.
            await db.LockWritesAsync(ct);
            var request = await LoadAsync(reference, tracking: true, ct);
            EntityTags.CheckIfMatch(ifMatch, request.Version);
            await work(request, clock.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        return await GetAsync(reference, ct);
    }

    SupportComment AddComment(SupportRequest request, Party party, string text, bool isInternal, DateTimeOffset now)
    {
        var comment = new SupportComment
        {
            RequestId = request.Id, TenantId = request.TenantId, IsInternal = isInternal, AuthorParty = party, AuthorId = user.Id,
            AuthorName = user.Name, Body = text, CreatedAt = now,
        };
        db.SupportComments.Add(comment);
        return comment;
    }

    static void Touch(SupportRequest request, DateTimeOffset now)
    {
        request.Version++;
        request.UpdatedAt = now;
    }

    static ConflictException Closed(SupportRequest request) =>
        new("request-closed", $"{request.Reference} is closed. If the problem is back, file a new request and mention {request.Reference}.");

    static string Verb(SupportAction action) => EnumNames.Of(action).Replace('-', ' ');

    static string Operation(SupportAction action) => action switch
    {
        SupportAction.Start => "Start work on",
        SupportAction.WaitOnCustomer => "Wait on the customer for",
        SupportAction.Resume => "Resume work on",
        SupportAction.Resolve => "Resolve",
        SupportAction.Close => "Close",
        _ => "Reopen",
    };

    /// <summary>The side the caller works a request for: support engineers for the provider, the filing tenant's admins for the customer.</summary>
    Party? WorkingParty(SupportRequest request) =>
        user.Is(Role.SupportEngineer) ? Party.Provider
        : user.Is(Role.TenantAdmin) && user.TenantId == request.TenantId ? Party.Customer
        : null;

    async Task<SupportRequest> LoadAsync(string reference, bool tracking, CancellationToken ct)
    {
        if (!TryParseNumber(reference, out var number))
        {
            throw new NotFoundException("Support request", reference);
        }
        var query = tracking ? db.SupportRequests : db.SupportRequests.AsNoTracking();
        return await query.FirstOrDefaultAsync(r => r.Number == number, ct) ?? throw new NotFoundException("Support request", reference);
    }

    async Task<SupportRequestView> ToViewAsync(SupportRequest r, CancellationToken ct)
    {
        var tenantName = await db.Tenants.Where(t => t.Id == r.TenantId).Select(t => t.Name).FirstOrDefaultAsync(ct) ?? "";
        var change = r.ChangeId is { } changeId
            ? await db.Changes.Where(c => c.Id == changeId).Select(c => new { c.Id, c.Title }).FirstOrDefaultAsync(ct)
            : null;
        var releaseTitle = r.ReleaseId is { } releaseId
            ? await db.Releases.Where(x => x.Id == releaseId).Select(x => x.Title).FirstOrDefaultAsync(ct)
            : null;
        // The query filter already keeps internal notes from tenants; the view checks again, as they must never leak.
        var comments = await db.SupportComments.AsNoTracking()
            .Where(c => c.RequestId == r.Id && (user.IsProvider || !c.IsInternal))
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .ToListAsync(ct);
        // Projected without the content: the files themselves are read one at a time, on download.
        var files = await db.SupportAttachments.AsNoTracking().Where(a => a.RequestId == r.Id).OrderBy(a => a.UploadedAt).ThenBy(a => a.Id)
            .Select(a => new { a.Id, a.FileName, a.ContentType, a.Size, a.UploadedByName, a.UploadedByParty, a.UploadedAt })
            .ToListAsync(ct);
        var attachments = files.Select(a => new SupportAttachmentView(a.Id, a.FileName, a.ContentType, a.Size, a.UploadedByName, a.UploadedByParty, a.UploadedAt,
            $"/api/support-requests/{r.Reference}/attachments/{a.Id}")).ToList();
        var party = WorkingParty(r);
        var now = clock.GetUtcNow();
        return new SupportRequestView(r.Id, r.Reference, r.TenantId, tenantName, r.Title, r.Description, markdown.ToHtml(r.Description),
            r.Severity, r.State, r.AffectedUsers, r.ChangeId, change is null ? null : $"CHG-{change.Id}", change?.Title, r.ReleaseId, releaseTitle,
            new SupportContact(r.ContactName, r.ContactEmail, r.ContactPhone), r.CreatedByName, r.AssigneeId, r.AssigneeName,
            r.CreatedAt, r.UpdatedAt, r.FirstResponseDueAt, r.FirstResponseAt, FirstResponsePolicy.IsBreached(r.FirstResponseDueAt, r.FirstResponseAt, now),
            r.ResolvedAt, r.ClosedAt, r.Version,
            party is { } p ? SupportStateMachine.AllowedFrom(r.State, p) : [],
            party is not null && SupportStateMachine.TakesComments(r.State),
            party == Party.Provider && SupportStateMachine.TakesComments(r.State),
            user.Is(Role.SupportEngineer) && r.State != SupportState.Closed,
            comments.Select(c => new SupportCommentView(c.Id, c.AuthorName, c.AuthorParty, c.IsInternal, c.Body, markdown.ToHtml(c.Body), c.CreatedAt)).ToList(),
            attachments);
    }
}
