using ChangeDesk.Audit;

namespace ChangeDesk.Tests.Rules;

public sealed class AuditChainTests
{
    static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Every field of a record, settable, so a test can change one and rebuild the record.</summary>
    sealed class Draft
    {
        public long Sequence;
        public DateTimeOffset At;
        public Guid? ActorId;
        public string ActorName = "";
        public Guid? TenantId;
        public int? ChangeId;
        public string EntityType = "";
        public string EntityId = "";
        public string Action = "";
        public string? Operation;
        public string? Before;
        public string? After;
        public string PreviousHash = "";
        public string Hash = "";

        public static Draft From(AuditRecord r) => new()
        {
            Sequence = r.Sequence!.Value,
            At = r.At,
            ActorId = r.ActorId,
            ActorName = r.ActorName,
            TenantId = r.TenantId,
            ChangeId = r.ChangeId,
            EntityType = r.EntityType,
            EntityId = r.EntityId,
            Action = r.Action,
            Operation = r.Operation,
            Before = r.Before,
            After = r.After,
            PreviousHash = r.PreviousHash!,
            Hash = r.Hash!,
        };

        public AuditRecord ToRecord() => new()
        {
            Sequence = Sequence,
            At = At,
            ActorId = ActorId,
            ActorName = ActorName,
            TenantId = TenantId,
            ChangeId = ChangeId,
            EntityType = EntityType,
            EntityId = EntityId,
            Action = Action,
            Operation = Operation,
            Before = Before,
            After = After,
            PreviousHash = PreviousHash,
            Hash = Hash,
        };

        public AuditRecord Sealed()
        {
            Hash = AuditChain.ComputeHash(ToRecord());
            return ToRecord();
        }
    }

    static List<AuditRecord> Chain(int length)
    {
        var records = new List<AuditRecord>();
        var previous = AuditChain.GenesisHash;
        for (var i = 1; i <= length; i++)
        {
            var record = new Draft
            {
                Sequence = i,
                At = T0.AddMinutes(i),
                ActorId = Guid.NewGuid(),
                ActorName = $"user {i}",
                TenantId = Guid.NewGuid(),
                ChangeId = 100 + i,
                EntityType = "Change",
                EntityId = $"{100 + i}",
                Action = "updated",
                Operation = "Announce change",
                Before = $$"""{"state":"draft","n":{{i}}}""",
                After = $$"""{"state":"announced","n":{{i}}}""",
                PreviousHash = previous,
            }.Sealed();
            records.Add(record);
            previous = record.Hash!;
        }
        return records;
    }

    static List<AuditRecord> Replace(List<AuditRecord> chain, int index, Action<Draft> edit)
    {
        var draft = Draft.From(chain[index]);
        edit(draft);
        var copy = chain.ToList();
        copy[index] = draft.ToRecord();
        return copy;
    }

    [Fact]
    public void IntactChainVerifiesAndReportsTheHashOfItsLastRecordAsHead()
    {
        var chain = Chain(5);

        var result = AuditChain.Verify(chain);

        Assert.True(result.IsIntact);
        Assert.Equal(5, result.RecordsChecked);
        Assert.Null(result.FirstBadSequence);
        Assert.Null(result.Problem);
        Assert.Equal(chain[^1].Hash, result.HeadHash);
    }

    [Fact]
    public void EmptyChainIsIntactWithTheGenesisHashAsHead()
    {
        var result = AuditChain.Verify([]);

        Assert.True(result.IsIntact);
        Assert.Equal(0, result.RecordsChecked);
        Assert.Equal(AuditChain.GenesisHash, result.HeadHash);
    }

    [Fact]
    public void HashIsLowercaseSha256HexAndDeterministic()
    {
        var record = Chain(1)[0];

        Assert.Matches("^[0-9a-f]{64}$", record.Hash);
        Assert.Equal(record.Hash, AuditChain.ComputeHash(Draft.From(record).ToRecord()));
    }

    [Fact]
    public void TheSameInstantInAnotherOffsetHashesTheSame()
    {
        var record = Chain(1)[0];
        var draft = Draft.From(record);
        draft.At = record.At.ToOffset(TimeSpan.FromHours(2));

        Assert.Equal(record.Hash, AuditChain.ComputeHash(draft.ToRecord()));
    }

    [Fact]
    public void MovingCharactersBetweenAdjacentFieldsChangesTheHash()
    {
        var draft = Draft.From(Chain(1)[0]);
        draft.EntityType = "Chang";
        draft.EntityId = "e101";
        var shifted = AuditChain.ComputeHash(draft.ToRecord());
        draft.EntityType = "Change";
        draft.EntityId = "101";

        Assert.NotEqual(AuditChain.ComputeHash(draft.ToRecord()), shifted);
    }

    public static TheoryData<string> EditableFields() =>
    [
        "At", "ActorId", "ActorIdRemoved", "ActorName", "TenantId", "TenantIdRemoved", "ChangeId", "EntityType", "EntityId",
        "Action", "Operation", "Before", "After", "PreviousHash", "Hash", "Sequence",
    ];

    static void Edit(Draft d, string field)
    {
        switch (field)
        {
            case "At": d.At = d.At.AddTicks(10); break;
            case "ActorId": d.ActorId = Guid.NewGuid(); break;
            case "ActorIdRemoved": d.ActorId = null; break;
            case "ActorName": d.ActorName += "x"; break;
            case "TenantId": d.TenantId = Guid.NewGuid(); break;
            case "TenantIdRemoved": d.TenantId = null; break;
            case "ChangeId": d.ChangeId += 1; break;
            case "EntityType": d.EntityType = "Mitigation"; break;
            case "EntityId": d.EntityId += "0"; break;
            case "Action": d.Action = "deleted"; break;
            case "Operation": d.Operation = "Cancel change"; break;
            case "Before": d.Before = null; break;
            case "After": d.After = d.After!.Replace("announced", "cancelled", StringComparison.Ordinal); break;
            case "PreviousHash": d.PreviousHash = AuditChain.GenesisHash; break;
            case "Hash": d.Hash = new string('a', 64); break;
            case "Sequence": d.Sequence = 30; break;
            default: throw new ArgumentOutOfRangeException(nameof(field), field, null);
        }
    }

    [Theory]
    [MemberData(nameof(EditableFields))]
    public void EditingAnyFieldOfAMiddleRecordIsDetectedAtThatRecord(string field)
    {
        var tampered = Replace(Chain(5), 2, d => Edit(d, field));

        var result = AuditChain.Verify(tampered);

        Assert.False(result.IsIntact);
        Assert.Equal(3, result.FirstBadSequence);
        Assert.Equal(2, result.RecordsChecked);
        Assert.Null(result.HeadHash);
        Assert.Contains("record 3", result.Problem);
    }

    [Fact]
    public void EditedRecordWhoseHashWasRecomputedIsDetectedAtTheNextRecord()
    {
        var chain = Chain(5);
        var draft = Draft.From(chain[2]);
        draft.After = """{"state":"cancelled"}""";
        chain[2] = draft.Sealed();

        var result = AuditChain.Verify(chain);

        Assert.False(result.IsIntact);
        Assert.Equal(4, result.FirstBadSequence);
        Assert.Equal("record 4 does not point at the hash of record 3", result.Problem);
    }

    [Theory]
    [InlineData("Operation")]
    [InlineData("Before")]
    [InlineData("After")]
    public void ANullFieldAndAnEmptyFieldHashDifferently(string field)
    {
        var draft = Draft.From(Chain(1)[0]);
        void Set(string? value)
        {
            switch (field)
            {
                case "Operation": draft.Operation = value; break;
                case "Before": draft.Before = value; break;
                default: draft.After = value; break;
            }
        }
        Set(null);
        var withNull = AuditChain.ComputeHash(draft.ToRecord());
        Set("");
        Assert.NotEqual(withNull, AuditChain.ComputeHash(draft.ToRecord()));
    }

    [Fact]
    public void DeletingAMiddleRecordIsDetected()
    {
        var chain = Chain(5);
        chain.RemoveAt(2);

        var result = AuditChain.Verify(chain);

        Assert.False(result.IsIntact);
        Assert.Equal(3, result.FirstBadSequence);
        Assert.Equal(2, result.RecordsChecked);
        Assert.Equal("record 3 is missing (found 4 next)", result.Problem);
    }

    [Fact]
    public void DeletingAMiddleRecordAndRenumberingIsDetected()
    {
        var shortened = Chain(5);
        shortened.RemoveAt(2);
        var chain = Replace(shortened, 2, d => d.Sequence = 3);

        var result = AuditChain.Verify(chain);

        Assert.False(result.IsIntact);
        Assert.Equal(3, result.FirstBadSequence);
        Assert.Equal("record 3 does not point at the hash of record 2", result.Problem);
    }

    [Fact]
    public void DeletingTheFirstRecordIsDetected()
    {
        var chain = Chain(5);
        chain.RemoveAt(0);

        var result = AuditChain.Verify(chain);

        Assert.False(result.IsIntact);
        Assert.Equal(1, result.FirstBadSequence);
        Assert.Equal(0, result.RecordsChecked);
        Assert.Equal("record 1 is missing (found 2 next)", result.Problem);
    }

    [Fact]
    public void ReorderingRecordsIsDetected()
    {
        var chain = Chain(5);
        (chain[1], chain[2]) = (chain[2], chain[1]);

        var result = AuditChain.Verify(chain);

        Assert.False(result.IsIntact);
        Assert.Equal(2, result.FirstBadSequence);
        Assert.Equal(1, result.RecordsChecked);
    }

    [Fact]
    public void VerifierFedOneRecordAtATimeStopsAtTheFirstBrokenRecord()
    {
        var chain = Replace(Chain(5), 1, d => d.ActorName = "someone else");
        var verifier = new AuditChain.Verifier();

        var accepted = chain.Select(verifier.Accept).ToList();

        Assert.Equal([true, false, false, false, false], accepted);
        Assert.Equal(2, verifier.Result.FirstBadSequence);
        Assert.Equal(1, verifier.Result.RecordsChecked);
    }

    [Fact]
    public void VerifierFedPageByPageReachesTheSameHeadAsVerify()
    {
        var chain = Chain(7);
        var verifier = new AuditChain.Verifier();

        foreach (var page in chain.Chunk(3))
        {
            Assert.All(page, r => Assert.True(verifier.Accept(r)));
        }

        Assert.Equal(AuditChain.Verify(chain), verifier.Result);
        Assert.Equal(chain[^1].Hash, verifier.Result.HeadHash);
    }

    [Fact]
    public void NormalizeTruncatesToWholeMicrosecondsInUtc()
    {
        var at = new DateTimeOffset(2026, 3, 2, 11, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);

        var normalized = AuditChain.Normalize(at);

        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), normalized);
        Assert.Equal(TimeSpan.Zero, normalized.Offset);
        Assert.Equal(0, normalized.UtcTicks % 10);
    }

    [Fact]
    public void NormalizeRoundsDownRatherThanToTheNearestMicrosecond()
    {
        var at = T0.AddTicks(19);

        Assert.Equal(T0.AddTicks(10), AuditChain.Normalize(at));
    }

    [Fact]
    public void NormalizeKeepsAWholeMicrosecondUnchanged()
    {
        var at = T0.AddTicks(1_234_560);

        Assert.Equal(at.UtcTicks, AuditChain.Normalize(at).UtcTicks);
    }
}
