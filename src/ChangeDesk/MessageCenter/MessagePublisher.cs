using ChangeDesk.Changes;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.MessageCenter;

/// <summary>
/// Keeps a change's Message Center post in step with the change: posted on announce to every targeted tenant,
/// revised (with history and the "Updated message" tag) when the announced change is edited. Runs inside the
/// caller's transaction, so a change and its message are saved together or not at all.
/// </summary>
public sealed class MessagePublisher(
    ChangeDeskDb db, MatrixService matrices, MarkdownRenderer markdown, ServiceOptions options, CurrentUser user, Notifications.Notifier notifier,
    ChangeRecipients changeRecipients)
{
    public async Task PublishAsync(Change change, ChangeType type, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ChangeId == change.Id, ct))
        {
            await ReviseAsync(change, type, now, ct);
            return;
        }
        var number = await db.NextNumberAsync(NumberSeries.Message, ct);
        var content = MessageComposer.Compose(change, await NamesAsync(change, type, ct), updated: false);
        var message = new Message
        {
            Id = $"MC{number}",
            Number = number,
            ChangeId = change.Id,
            OwnerTenantId = change.OwnerTenantId,
            Title = content.Title,
            Category = content.Category,
            Severity = content.Severity,
            CreatedDateTime = now,
        };
        Apply(message, content, now);
        var recipients = await changeRecipients.OfAsync(change, ct);
        db.Messages.Add(message);
        db.AddBulk(recipients.Select(tenant => new MessageTenant { MessageId = message.Id, TenantId = tenant, PostedAt = now, LastModifiedDateTime = now }));
        await notifier.MessagePostedAsync(message, recipients, isUpdate: false, changedFields: null, ct);
    }

    /// <summary>Updates the message of an announced change; does nothing for a change that has none.</summary>
    public async Task ReviseAsync(Change change, ChangeType type, DateTimeOffset now, CancellationToken ct)
    {
        var message = await db.Messages.IgnoreQueryFilters().Include(m => m.Tenants).FirstOrDefaultAsync(m => m.ChangeId == change.Id, ct);
        if (message is null)
        {
            return;
        }
        var content = MessageComposer.Compose(change, await NamesAsync(change, type, ct), updated: true);
        var html = markdown.ToHtml(content.BodyMarkdown);
        var changed = MessageComposer.ChangedFields(message, content, html);
        var recipients = await changeRecipients.OfAsync(change, ct);
        var added = recipients.Except(message.Tenants.Select(t => t.TenantId)).ToList();
        var kept = recipients.ToHashSet();
        message.Tenants.RemoveAll(t => !kept.Contains(t.TenantId));
        foreach (var tenant in added)
        {
            message.Tenants.Add(new MessageTenant { MessageId = message.Id, TenantId = tenant, PostedAt = now, LastModifiedDateTime = message.LastModifiedDateTime });
        }
        if (changed.Count == 0)
        {
            if (added.Count > 0)
            {
                await notifier.MessagePostedAsync(message, added, isUpdate: false, changedFields: null, ct);
            }
            return;
        }
        var existing = message.Tenants.Select(t => t.TenantId).Except(added).ToList();
        await SupersedeAsync(message, content, changed, existing, now, ct);
        await notifier.MessagePostedAsync(message, added, isUpdate: false, changedFields: null, ct);
    }

    /// <summary>Keeps the current version as history, applies the new content and tells the tenants it was updated.</summary>
    async Task SupersedeAsync(Message message, MessageContent content, List<string> changed, IReadOnlyCollection<Guid> tenants, DateTimeOffset now, CancellationToken ct)
    {
        db.MessageRevisions.Add(new MessageRevision
        {
            MessageId = message.Id,
            Version = message.Version,
            ReplacedAt = now,
            ReplacedBy = user.Name,
            ChangedFields = string.Join(", ", changed),
            Title = message.Title,
            StartDateTime = message.StartDateTime,
            EndDateTime = message.EndDateTime,
            ActionRequiredByDateTime = message.ActionRequiredByDateTime,
            Category = message.Category,
            Severity = message.Severity,
            BodyHtml = message.BodyHtml,
        });
        message.Version++;
        Apply(message, content, now);
        // The postings' copy of the time orders each tenant's list: one statement for the stored ones, however many tenants.
        await db.MessageTenants.IgnoreQueryFilters().Where(t => t.MessageId == message.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastModifiedDateTime, now), ct);
        foreach (var posting in db.ChangeTracker.Entries<MessageTenant>().Where(e => e.Entity.MessageId == message.Id))
        {
            posting.Property(t => t.LastModifiedDateTime).CurrentValue = now;
            if (posting.State != EntityState.Added)
            {
                posting.Property(t => t.LastModifiedDateTime).OriginalValue = now;
            }
        }
        await notifier.MessagePostedAsync(message, tenants, isUpdate: true, changedFields: string.Join(", ", changed), ct);
        // Everyone should notice the update: it is unread again for all.
        await db.MessageViewStates.Where(v => v.MessageId == message.Id).ExecuteUpdateAsync(s => s.SetProperty(v => v.IsRead, false), ct);
    }

    /// <summary>
    /// Posts a message about a release (its schedule, start, an advisory, its summary) to the given tenants, in the
    /// caller's transaction; emails and webhooks follow each recipient's preferences as for a change's post.
    /// </summary>
    public async Task<Message> PostForReleaseAsync(Guid releaseId, MessageContent content, IReadOnlyCollection<Guid> tenants, DateTimeOffset now, CancellationToken ct)
    {
        var number = await db.NextNumberAsync(NumberSeries.Message, ct);
        var message = new Message
        {
            Id = $"MC{number}",
            Number = number,
            ReleaseId = releaseId,
            Title = content.Title,
            Category = content.Category,
            Severity = content.Severity,
            CreatedDateTime = now,
        };
        Apply(message, content, now);
        foreach (var tenant in tenants)
        {
            message.Tenants.Add(new MessageTenant { MessageId = message.Id, TenantId = tenant, PostedAt = now, LastModifiedDateTime = now });
        }
        db.Messages.Add(message);
        await notifier.MessagePostedAsync(message, tenants, isUpdate: false, changedFields: null, ct);
        return message;
    }

    /// <summary>Revises a release's post (e.g. its schedule after the release moved), keeping the history.</summary>
    public async Task ReviseReleasePostAsync(string messageId, MessageContent content, DateTimeOffset now, CancellationToken ct)
    {
        var message = await db.Messages.IgnoreQueryFilters().Include(m => m.Tenants).FirstAsync(m => m.Id == messageId, ct);
        var changed = MessageComposer.ChangedFields(message, content, markdown.ToHtml(content.BodyMarkdown));
        if (changed.Count > 0)
        {
            await SupersedeAsync(message, content, changed, message.Tenants.Select(t => t.TenantId).ToList(), now, ct);
        }
    }

    void Apply(Message message, MessageContent content, DateTimeOffset now)
    {
        message.Title = content.Title;
        message.Category = content.Category;
        message.Severity = content.Severity;
        message.IsMajorChange = content.IsMajorChange;
        message.Services = content.Services;
        message.Tags = content.Tags;
        message.StartDateTime = content.StartDateTime;
        message.EndDateTime = content.EndDateTime;
        message.ActionRequiredByDateTime = content.ActionRequiredByDateTime;
        message.BodyMarkdown = content.BodyMarkdown;
        message.BodyHtml = markdown.ToHtml(content.BodyMarkdown);
        message.Details = content.Details;
        message.Consent = content.Consent;
        message.LastModifiedDateTime = now;
    }

    async Task<MessageComposer.Names> NamesAsync(Change change, ChangeType type, CancellationToken ct)
    {
        var scope = (await matrices.ScopesAsync(ct)).First(s => s.Key == change.Scope).Name;
        var owner = change.OwnerTenantId is { } t
            ? await db.Tenants.IgnoreQueryFilters().Where(x => x.Id == t).Select(x => x.Name).FirstAsync(ct)
            : await matrices.ProviderNameAsync(ct);
        var subtype = type.Subtypes.FirstOrDefault(s => s.Key == change.Subtype)?.Name ?? change.Subtype;
        return new(type.Name, subtype, scope, owner, MessageComposer.WhoMustAct(change), options.LinkTo($"/changes/{change.Id}"));
    }
}
