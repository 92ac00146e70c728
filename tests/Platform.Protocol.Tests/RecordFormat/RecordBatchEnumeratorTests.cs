using Platform.Protocol.RecordFormat;

namespace Platform.Protocol.Tests.RecordFormat;

public class RecordBatchEnumeratorTests
{
    [Fact]
    public void MoveNext_WholeBatches_YieldsEachWithPosition()
    {
        var a = TestBatches.Build(2, baseOffset: 0);
        var b = TestBatches.Build(3, CompressionType.Lz4, baseOffset: 2);
        byte[] blob = [.. a, .. b];

        var found = new List<(int Position, long BaseOffset, int Length)>();
        var batches = new RecordBatchEnumerator(blob);
        while (batches.MoveNext())
        {
            found.Add((batches.CurrentPosition, RecordBatchHeader.BaseOffset(batches.Current), batches.Current.Length));
        }

        Assert.Equal([(0, 0L, a.Length), (a.Length, 2L, b.Length)], found);
        Assert.Equal(blob.Length, batches.ValidBytes);
        Assert.False(batches.HasTrailingBytes);
        Assert.Equal(0, batches.TrailingBytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(60)]
    public void MoveNext_TrailingPartialBatch_StopsAndReportsIt(int partialLength)
    {
        var a = TestBatches.Build(2);
        var b = TestBatches.Build(5);
        byte[] blob = [.. a, .. b[..partialLength]];

        var count = 0;
        var batches = new RecordBatchEnumerator(blob);
        foreach (var batch in batches)
        {
            Assert.Equal(a.Length, batch.Length);
            count++;
        }

        // foreach works on a copy; drive the original for the trailing state.
        while (batches.MoveNext())
        {
        }

        Assert.Equal(1, count);
        Assert.Equal(a.Length, batches.ValidBytes);
        Assert.True(batches.HasTrailingBytes);
        Assert.Equal(RecordBatchEnumerator.TrailingKind.PartialBatch, batches.Trailing);
        Assert.Equal(partialLength, batches.TrailingBytes);
    }

    [Fact]
    public void MoveNext_GarbageLength_ReportsInvalidLength()
    {
        var a = TestBatches.Build(1);
        byte[] blob = [.. a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3];

        var batches = new RecordBatchEnumerator(blob);
        Assert.True(batches.MoveNext());
        Assert.False(batches.MoveNext());

        Assert.Equal(RecordBatchEnumerator.TrailingKind.InvalidLength, batches.Trailing);
        Assert.Equal(a.Length, batches.ValidBytes);
        Assert.Equal(15, batches.TrailingBytes);
    }

    [Fact]
    public void MoveNext_Empty_ReturnsFalseWithoutTrailingBytes()
    {
        var batches = new RecordBatchEnumerator([]);

        Assert.False(batches.MoveNext());
        Assert.False(batches.HasTrailingBytes);
    }

    [Fact]
    public void MoveNext_SlicedFromMemory_LoadsIntoReader()
    {
        ReadOnlyMemory<byte> blob = (byte[])[.. TestBatches.Build(2, CompressionType.Snappy), .. TestBatches.Build(3, baseOffset: 2)];
        using var reader = new RecordBatchReader();
        var offsets = new List<long>();

        var batches = new RecordBatchEnumerator(blob.Span);
        while (batches.MoveNext())
        {
            reader.Load(blob.Slice(batches.CurrentPosition, batches.Current.Length));
            foreach (var record in reader)
            {
                offsets.Add(record.Offset);
            }
        }

        Assert.Equal([0L, 1, 2, 3, 4], offsets);
    }
}
