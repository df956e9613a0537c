using System.Text.Json;
using ChangeDesk.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChangeDesk.Data;

/// <summary>The audit chain's side of a save: what audited rows looked like before it, and the records appended after it.</summary>
public abstract partial class ChangeDeskDb
{
    sealed record PendingAudit(EntityEntry Entry, EntityState State, string? Before);

    /// <summary>The audited entries a save will write, with their values before it (taken before the save overwrites them).</summary>
    List<PendingAudit> PendingAudits() => ChangeTracker.Entries()
        .Where(e => e.Entity is IAudited && e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
        .Select(e => new PendingAudit(e, e.State, e.State == EntityState.Added ? null : Snapshot(e, original: true)))
        .ToList();

    /// <summary>
    /// Writes the records of this save unchained: without a place in the chain or a hash, so this transaction reads
    /// nothing other writers hold. <see cref="AuditChainer"/> links them once they are committed.
    /// </summary>
    async Task AppendAuditAsync(List<PendingAudit> pending, List<BulkTable> bulkAudited, CancellationToken ct)
    {
        var at = AuditChain.Normalize(clock.GetUtcNow());
        var records = new BulkTable(Model.FindEntityType(typeof(AuditRecord))!);
        void Append(IAudited audited, string entityType, string entityId, string action, string? before, string? after) =>
            records.Rows.Add(new AuditRecord
            {
                At = at,
                ActorId = user.Id,
                ActorName = user.Name,
                TenantId = audited.AuditTenantId,
                ChangeId = audited.AuditChangeId,
                EntityType = entityType,
                EntityId = entityId,
                Action = action,
                Operation = AuditOperation ?? writeOperation,
                Before = before,
                After = after,
            });
        foreach (var p in pending)
        {
            var after = p.State == EntityState.Deleted ? null : Snapshot(p.Entry, original: false);
            var entityId = string.Join(",", p.Entry.Metadata.FindPrimaryKey()!.Properties.Select(k => p.Entry.Property(k.Name).CurrentValue));
            var action = p.State switch { EntityState.Added => "created", EntityState.Deleted => "deleted", _ => "updated" };
            Append((IAudited)p.Entry.Entity, p.Entry.Metadata.ClrType.Name, entityId, action, p.Before, after);
        }
        foreach (var table in bulkAudited)
        {
            var key = table.Entity.FindPrimaryKey()!.Properties.Select(k => table.Columns.Single(c => c.Property == k)).ToList();
            // The snapshot a tracked insert gets (properties by name, in ordinal order), written value by value rather than
            // through a dictionary per row: the same JSON, for tens of thousands of rows.
            var audited = table.Columns.Where(c => c.Property.PropertyInfo?.IsDefined(typeof(NotAuditedAttribute), false) != true)
                .OrderBy(c => c.Property.Name, StringComparer.Ordinal).Select(c => (Column: c, Name: JsonEncodedText.Encode(c.Property.Name))).ToList();
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using var json = new Utf8JsonWriter(buffer);
            foreach (var row in table.Rows)
            {
                buffer.ResetWrittenCount();
                json.Reset();
                json.WriteStartObject();
                foreach (var (column, name) in audited)
                {
                    json.WritePropertyName(name);
                    if (column.ClrValue(row) is { } value)
                    {
                        JsonSerializer.Serialize(json, value, value.GetType(), SnapshotJson);
                    }
                    else
                    {
                        json.WriteNullValue();
                    }
                }
                json.WriteEndObject();
                json.Flush();
                Append((IAudited)row, table.Entity.ClrType.Name, string.Join(",", key.Select(k => k.ClrValue(row))), "created", null,
                    System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            }
        }
        await WriteBulkAsync(records, ct);
        AuditWritten |= records.Rows.Count > 0;
    }

    /// <summary>Set when a save wrote audit records, so their commit can wake the chainer; reset when it has.</summary>
    internal bool AuditWritten { get; set; }

    // Enum values by name, so the history stays readable and keeps its meaning if an enum is reordered.
    static readonly JsonSerializerOptions SnapshotJson = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    static string Snapshot(EntityEntry entry, bool original)
    {
        var values = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in entry.Properties)
        {
            if (property.Metadata.PropertyInfo?.IsDefined(typeof(NotAuditedAttribute), false) == true)
            {
                continue;
            }
            values[property.Metadata.Name] = original ? property.OriginalValue : property.CurrentValue;
        }
        return JsonSerializer.Serialize(values, SnapshotJson);
    }

    /// <summary>
    /// Takes the audit chain for the current transaction, so that chainers on every instance take turns. Without
    /// <paramref name="wait"/>, answers false at once when another chainer has it: that one links what is committed.
    /// SQLite's immediate transactions already hold the database's write lock.
    /// </summary>
    public virtual Task<bool> LockAuditChainAsync(bool wait, CancellationToken ct) => Task.FromResult(true);

    /// <summary>Gives audit records their places in the chain, in the current transaction: one prepared update per record.</summary>
    public virtual async Task LinkAuditAsync(IReadOnlyList<AuditLink> links, DateTimeOffset chainedAt, CancellationToken ct)
    {
        var records = Model.FindEntityType(typeof(AuditRecord))!;
        var table = StoreObjectIdentifier.Table(records.GetTableName()!, records.GetSchema());
        var sql = this.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(records.FindProperty(property)!.GetColumnName(table)!);
        await using var command = Database.GetDbConnection().CreateCommand();
        command.Transaction = Database.CurrentTransaction?.GetDbTransaction();
        var mapping = records.FindProperty(nameof(AuditRecord.ChainedAt))!.GetRelationalTypeMapping();
        var at = mapping.CreateParameter(command, "@at", chainedAt);
        var id = command.CreateParameter();
        id.ParameterName = "@id";
        var sequence = command.CreateParameter();
        sequence.ParameterName = "@sequence";
        var previous = command.CreateParameter();
        previous.ParameterName = "@previous";
        var hash = command.CreateParameter();
        hash.ParameterName = "@hash";
        command.Parameters.AddRange(new[] { at, id, sequence, previous, hash });
        command.CommandText = $"UPDATE {sql.DelimitIdentifier(table.Name, table.Schema)} SET {Column(nameof(AuditRecord.Sequence))} = @sequence, "
            + $"{Column(nameof(AuditRecord.PreviousHash))} = @previous, {Column(nameof(AuditRecord.Hash))} = @hash, "
            + $"{Column(nameof(AuditRecord.ChainedAt))} = @at WHERE {Column(nameof(AuditRecord.Id))} = @id";
        await command.PrepareAsync(ct);
        foreach (var link in links)
        {
            id.Value = link.Id;
            sequence.Value = link.Sequence;
            previous.Value = link.PreviousHash;
            hash.Value = link.Hash;
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
