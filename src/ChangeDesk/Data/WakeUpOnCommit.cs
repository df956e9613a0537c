using System.Data.Common;
using ChangeDesk.Audit;
using ChangeDesk.Notifications;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChangeDesk.Data;

/// <summary>
/// Wakes the loops that act on what a write left behind as soon as it becomes visible to them, at commit or after an
/// autocommitted save: the outbox senders for new outbox rows, the audit chainer for new audit records.
/// </summary>
public sealed class WakeUpOnCommit(OutboxWakeUp outbox, AuditChainWakeUp audit) : IDbTransactionInterceptor, ISaveChangesInterceptor
{
    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken ct = default)
    {
        Fire(eventData.Context as ChangeDeskDb);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Fire(eventData.Context as ChangeDeskDb);

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        if (eventData.Context is ChangeDeskDb db && db.Database.CurrentTransaction is null)
        {
            Fire(db);
        }
        return ValueTask.FromResult(result);
    }

    void Fire(ChangeDeskDb? db)
    {
        if (db is { OutboxWritten: true })
        {
            db.OutboxWritten = false;
            outbox.Notify();
        }
        if (db is { AuditWritten: true })
        {
            db.AuditWritten = false;
            audit.Notify();
        }
    }
}
