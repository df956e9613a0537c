using ChangeDesk.Notifications;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Data;

public abstract partial class ChangeDeskDb
{
    /// <summary>Set when a save wrote outbox rows; WakeUpOnCommit wakes the senders and clears it.</summary>
    public bool OutboxWritten { get; set; }

    /// <summary>Notes whether the coming save writes outbox rows, tracked or queued in bulk.</summary>
    void NoteOutboxWrites(IEnumerable<BulkTable> bulkRows)
    {
        if (ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added) || bulkRows.Any(b => b.Entity.ClrType == typeof(OutboxMessage)))
        {
            OutboxWritten = true;
        }
    }
}
