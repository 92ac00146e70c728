using System.Buffers;
using Platform.Protocol.RecordFormat;

namespace Platform.Protocol.Tests.RecordFormat;

public class ControlRecordTests
{
    [Theory]
    [InlineData(ControlRecordType.Abort, new byte[] { 0, 0, 0, 0 })]
    [InlineData(ControlRecordType.Commit, new byte[] { 0, 0, 0, 1 })]
    public void CreateKey_Type_WritesVersionAndType(ControlRecordType type, byte[] expected)
    {
        var key = ControlRecord.CreateKey(type);

        Assert.Equal(expected, key);
        Assert.True(ControlRecord.TryReadType(key, out var read));
        Assert.Equal(type, read);
    }

    [Fact]
    public void CreateEndTransactionMarkerValue_Epoch_RoundTrips()
    {
        var value = ControlRecord.CreateEndTransactionMarkerValue(0x01020304);

        Assert.Equal(new byte[] { 0, 0, 1, 2, 3, 4 }, value);
        Assert.True(ControlRecord.TryReadCoordinatorEpoch(value, out var epoch));
        Assert.Equal(0x01020304, epoch);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0, 1 })]
    public void TryReadType_ShortKeyOrNegativeVersion_ReturnsFalse(byte[] key)
    {
        Assert.False(ControlRecord.TryReadType(key, out _));
    }

    [Fact]
    public void TryReadType_NewerVersion_ReadsType()
    {
        Assert.True(ControlRecord.TryReadType([0, 1, 0, 1, 9, 9], out var type));
        Assert.Equal(ControlRecordType.Commit, type);
    }

    [Fact]
    public void TryReadCoordinatorEpoch_ShortValue_ReturnsFalse()
    {
        Assert.False(ControlRecord.TryReadCoordinatorEpoch([0, 0, 1], out _));
    }

    [Fact]
    public void WriteEndTransactionMarkerBatch_Abort_DecodesAsControlBatch()
    {
        var writer = new ArrayBufferWriter<byte>();

        var size = ControlRecord.WriteEndTransactionMarkerBatch(
            writer, ControlRecordType.Abort, producerId: 4000, producerEpoch: 2, coordinatorEpoch: 17, timestamp: 123, baseOffset: 88, partitionLeaderEpoch: 3);

        Assert.Equal(size, writer.WrittenCount);
        using var reader = new RecordBatchReader();
        reader.Load(writer.WrittenMemory);
        var batch = reader.Batch;
        Assert.True(batch.IsControl);
        Assert.True(batch.IsTransactional);
        Assert.Equal((88L, 4000L, (short)2, 3, 1), (batch.BaseOffset, batch.ProducerId, batch.ProducerEpoch, batch.PartitionLeaderEpoch, batch.RecordsCount));
        var enumerator = reader.GetEnumerator();
        Assert.True(enumerator.MoveNext());
        var record = enumerator.Current;
        Assert.Equal((88L, 123L), (record.Offset, record.Timestamp));
        Assert.True(ControlRecord.TryReadType(record.KeySpan, out var type));
        Assert.Equal(ControlRecordType.Abort, type);
        Assert.True(ControlRecord.TryReadCoordinatorEpoch(record.ValueSpan, out var epoch));
        Assert.Equal(17, epoch);
        Assert.False(enumerator.MoveNext());
    }
}
