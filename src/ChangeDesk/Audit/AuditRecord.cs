using System.Security.Cryptography;
using System.Text;

namespace ChangeDesk.Audit;

/// <summary>
/// One append-only entry of the audit trail. The write that records it stores its content only; the
/// <see cref="AuditChainer"/> then gives it its place in the chain (<see cref="Sequence"/>) and links it to its
/// predecessor by hash, so writers never wait for one another at the chain's head.
/// </summary>
public sealed class AuditRecord
{
    /// <summary>The order records were written in, given by the database; with gaps, and not the chain's order.</summary>
    public long Id { get; init; }

    /// <summary>The record's place in the chain, from 1 without gaps; null until the record is chained.</summary>
    public long? Sequence { get; set; }

    public DateTimeOffset At { get; init; }
    public Guid? ActorId { get; init; }
    public required string ActorName { get; init; }
    public Guid? TenantId { get; init; }
    public int? ChangeId { get; init; }
    public required string EntityType { get; init; }
    public required string EntityId { get; init; }

    /// <summary>created, updated or deleted.</summary>
    public required string Action { get; init; }

    /// <summary>What the user did, in words ("Announce", "Complete task"), when known.</summary>
    public string? Operation { get; init; }

    public string? Before { get; init; }
    public string? After { get; init; }
    public string? PreviousHash { get; set; }
    public string? Hash { get; set; }

    /// <summary>When the record was chained: the time between <see cref="At"/> and this is the chain's delay.</summary>
    public DateTimeOffset? ChainedAt { get; set; }
}

public static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(AuditRecord r) => ComputeHash(
        r.Sequence ?? 0, r.At, r.ActorId, r.ActorName, r.TenantId, r.ChangeId, r.EntityType, r.EntityId, r.Action, r.Operation, r.Before, r.After, r.PreviousHash ?? "");

    public static string ComputeHash(
        long sequence, DateTimeOffset at, Guid? actorId, string actorName, Guid? tenantId, int? changeId,
        string entityType, string entityId, string action, string? operation, string? before, string? after, string previousHash)
    {
        // Length-prefixed fields (null written as -1) so that no two different records produce the same input.
        var sb = new StringBuilder();
        foreach (var field in new[]
                 {
                     sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     at.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     actorId?.ToString(), actorName, tenantId?.ToString(),
                     changeId?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     entityType, entityId, action, operation, before, after, previousHash,
                 })
        {
            sb.Append(field?.Length ?? -1).Append(':').Append(field).Append('|');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>Timestamps are kept to the microsecond so that every database stores them exactly.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);

    /// <summary>Walks the chained records in sequence order and reports the first one that breaks the chain.</summary>
    public static AuditVerification Verify(IEnumerable<AuditRecord> ordered)
    {
        var verifier = new Verifier();
        foreach (var r in ordered)
        {
            if (!verifier.Accept(r))
            {
                break;
            }
        }
        return verifier.Result;
    }

    /// <summary>Checks records one at a time, so a long trail can be verified page by page.</summary>
    public sealed class Verifier
    {
        string expectedPrevious = GenesisHash;
        long expectedSequence = 1, count;
        AuditVerification? broken;

        public AuditVerification Result => broken ?? new AuditVerification(true, count, null, null, expectedPrevious);

        public bool Accept(AuditRecord r)
        {
            if (broken is not null)
            {
                return false;
            }
            if (r.Sequence != expectedSequence)
            {
                broken = AuditVerification.Broken(count, expectedSequence, $"record {expectedSequence} is missing (found {r.Sequence} next)");
            }
            else if (r.PreviousHash != expectedPrevious)
            {
                broken = AuditVerification.Broken(count, expectedSequence, $"record {expectedSequence} does not point at the hash of record {expectedSequence - 1}");
            }
            else if (r.Hash is null || ComputeHash(r) != r.Hash)
            {
                broken = AuditVerification.Broken(count, expectedSequence, $"record {expectedSequence} was altered: its content no longer matches its hash");
            }
            if (broken is not null)
            {
                return false;
            }
            expectedPrevious = r.Hash!;
            expectedSequence++;
            count++;
            return true;
        }
    }
}

/// <summary>
/// What verifying the chain found. <see cref="PendingRecords"/> were written but not chained yet (the chainer links
/// them within moments); the chain cannot vouch for them until it has.
/// </summary>
public sealed record AuditVerification(
    bool IsIntact, long RecordsChecked, long? FirstBadSequence, string? Problem, string? HeadHash,
    long PendingRecords = 0, DateTimeOffset? OldestPendingAt = null)
{
    public static AuditVerification Broken(long checkedCount, long sequence, string problem) =>
        new(false, checkedCount, sequence, problem, null);
}
