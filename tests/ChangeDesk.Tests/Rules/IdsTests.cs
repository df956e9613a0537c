using ChangeDesk.Data;

namespace ChangeDesk.Tests.Rules;

public sealed class IdsTests
{
    [Fact]
    public void IdsAreVersion7WithTheTimestampFirstAsGuidCreateVersion7MakesThem()
    {
        var at = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var id = Ids.NewV7(at);
        var reference = Guid.CreateVersion7(at);

        Assert.Equal(7, id.Version);
        Assert.Equal(reference.Version, id.Version);
        // The RFC variant: the top two bits of the variant field are 10 (the other two are random).
        Assert.Equal(0b1000, id.Variant & 0b1100);
        Assert.Equal(reference.Variant & 0b1100, id.Variant & 0b1100);
        // The first 48 bits are the Unix milliseconds, as in the framework's own version 7 ids.
        Assert.Equal(reference.ToString()[..13], id.ToString()[..13]);
    }

    [Fact]
    public void LaterIdsSortAfterEarlierOnesAsGuidsAndAsText()
    {
        var start = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 2000).Select(i => Ids.NewV7(start.AddMilliseconds(i))).ToList();

        Assert.Equal(ids, ids.Order().ToList());
        Assert.Equal(ids.Select(i => i.ToString()), ids.Select(i => i.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void IdsMadeInTheSameMillisecondDiffer()
    {
        var at = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 100_000).Select(_ => Ids.NewV7(at)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
