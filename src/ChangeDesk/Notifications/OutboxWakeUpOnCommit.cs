using System.Data.Common;
using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChangeDesk.Notifications;

/// <summary>Wakes the senders when outbox rows become visible: at commit, or after an autocommitted save.</summary>
public sealed class OutboxWakeUpOnCommit(OutboxWakeUp wakeUp) : IDbTransactionInterceptor, ISaveChangesInterceptor
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
            wakeUp.Notify();
        }
    }
}
