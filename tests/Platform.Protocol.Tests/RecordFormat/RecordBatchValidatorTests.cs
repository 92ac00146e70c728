using Platform.Protocol.RecordFormat;

namespace Platform.Protocol.Tests.RecordFormat;

public class RecordBatchValidatorTests
{
    private static readonly byte[] Good = TestBatches.Build(3);

    private static ErrorCode Validate(byte[] records, int maxBatchBytes = 1 << 20) => RecordBatchValidator.Validate(records, maxBatchBytes, out _, out _);

    public static TheoryData<string, byte[], ErrorCode> Cases => new()
    {
        { "valid", Good, ErrorCode.None },
        { "valid zstd", TestBatches.Build(5, CompressionType.Zstd), ErrorCode.None },
        { "two batches", [.. Good, .. TestBatches.Build(2, CompressionType.Gzip)], ErrorCode.None },
        { "empty payload", [], ErrorCode.InvalidRecord },
        { "shorter than magic", Good[..10], ErrorCode.CorruptMessage },
        { "shorter than header", Good[..(RecordBatchHeader.Size - 1)], ErrorCode.CorruptMessage },
        { "trailing partial batch", [.. Good, .. Good[..30]], ErrorCode.CorruptMessage },
        { "batch length past end", TestBatches.WithInt32(Good, RecordBatchHeader.BatchLengthOffset, Good.Length), ErrorCode.CorruptMessage },
        { "negative batch length", TestBatches.WithInt32(Good, RecordBatchHeader.BatchLengthOffset, -1), ErrorCode.CorruptMessage },
        { "batch length below header", TestBatches.WithInt32(Good, RecordBatchHeader.BatchLengthOffset, 20), ErrorCode.CorruptMessage },
        { "crc mismatch", TestBatches.WithByte(Good, Good.Length - 1, (byte)(Good[^1] ^ 1), fixCrc: false), ErrorCode.CorruptMessage },
        { "magic 0", TestBatches.WithByte(Good, RecordBatchHeader.MagicOffset, 0), ErrorCode.UnsupportedForMessageFormat },
        { "magic 1", TestBatches.WithByte(Good, RecordBatchHeader.MagicOffset, 1), ErrorCode.UnsupportedForMessageFormat },
        { "magic 3", TestBatches.WithByte(Good, RecordBatchHeader.MagicOffset, 3), ErrorCode.CorruptMessage },
        { "negative last offset delta", TestBatches.WithInt32(Good, RecordBatchHeader.LastOffsetDeltaOffset, -1), ErrorCode.CorruptMessage },
        { "negative records count", TestBatches.WithInt32(Good, RecordBatchHeader.RecordsCountOffset, -1), ErrorCode.CorruptMessage },
        { "count above last offset delta + 1", TestBatches.WithInt32(Good, RecordBatchHeader.RecordsCountOffset, 4), ErrorCode.CorruptMessage },
        { "last offset delta above count - 1", TestBatches.WithInt32(Good, RecordBatchHeader.LastOffsetDeltaOffset, 3), ErrorCode.CorruptMessage },
        { "count and delta agree but records differ", TestBatches.WithInt32(TestBatches.WithInt32(Good, RecordBatchHeader.RecordsCountOffset, 2), RecordBatchHeader.LastOffsetDeltaOffset, 1), ErrorCode.CorruptMessage },
        { "compressed count inconsistent", TestBatches.WithInt32(TestBatches.Build(3, CompressionType.Lz4), RecordBatchHeader.RecordsCountOffset, 9), ErrorCode.CorruptMessage },
        { "corrupt record length", TestBatches.WithByte(Good, RecordBatchHeader.Size, 0x7F), ErrorCode.CorruptMessage },
        { "unknown codec", TestBatches.WithByte(Good, RecordBatchHeader.AttributesOffset + 1, 6), ErrorCode.UnsupportedCompressionType },
        { "empty batch", new RecordBatchBuilder().BuildToArray(), ErrorCode.CorruptMessage },
        { "corrupt gzip payload", CorruptPayload(CompressionType.Gzip), ErrorCode.CorruptMessage },
        { "corrupt snappy payload", CorruptPayload(CompressionType.Snappy), ErrorCode.CorruptMessage },
        { "corrupt lz4 payload", CorruptPayload(CompressionType.Lz4), ErrorCode.CorruptMessage },
        { "corrupt zstd payload", CorruptPayload(CompressionType.Zstd), ErrorCode.CorruptMessage },
        { "compressed count and delta agree but records differ", TestBatches.WithInt32(TestBatches.WithInt32(TestBatches.Build(3, CompressionType.Lz4), RecordBatchHeader.RecordsCountOffset, 2), RecordBatchHeader.LastOffsetDeltaOffset, 1), ErrorCode.CorruptMessage },
        { "compressed records with a gap in their offset deltas", GappedCompressed(), ErrorCode.CorruptMessage },
    };

    /// <summary>A compressed batch whose payload is overwritten after its first bytes, with its CRC made right again.</summary>
    private static byte[] CorruptPayload(CompressionType compression)
    {
        var bytes = TestBatches.Build(50, compression);
        for (var i = RecordBatchHeader.Size + 8; i < bytes.Length; i++)
        {
            bytes[i] = 0xAB;
        }

        RecordBatchHeader.UpdateCrc(bytes);
        return bytes;
    }

    /// <summary>Three records with offset deltas 0, 1, 3, compressed, under a header that says 0..2.</summary>
    private static byte[] GappedCompressed()
    {
        using var gapped = new RecordBatchBuilder(CompressionType.Lz4);
        gapped.AppendWithOffsetDelta(0, 1, null, new byte[] { 1 });
        gapped.AppendWithOffsetDelta(1, 1, null, new byte[] { 2 });
        gapped.AppendWithOffsetDelta(3, 1, null, new byte[] { 3 });
        var bytes = gapped.BuildToArray();
        return TestBatches.WithInt32(TestBatches.WithInt32(bytes, RecordBatchHeader.RecordsCountOffset, 3), RecordBatchHeader.LastOffsetDeltaOffset, 2);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_Case_ReturnsErrorCode(string name, byte[] records, ErrorCode expected)
    {
        Assert.True(expected == Validate(records), name);
    }

    [Fact]
    public void Validate_BatchOverLimit_ReturnsMessageTooLarge()
    {
        var batch = TestBatches.Build(10, valueSize: 100);

        Assert.Equal(ErrorCode.MessageTooLarge, Validate(batch, batch.Length - 1));
        Assert.Equal(ErrorCode.None, Validate(batch, batch.Length));
    }

    [Fact]
    public void Validate_OversizedBatchWithBadCrc_ReportsSizeFirst()
    {
        var batch = TestBatches.WithByte(Good, Good.Length - 1, (byte)(Good[^1] ^ 1), fixCrc: false);

        Assert.Equal(ErrorCode.MessageTooLarge, Validate(batch, 10));
    }

    [Fact]
    public void Validate_SeveralBatches_CountsBatchesAndRecords()
    {
        byte[] records = [.. TestBatches.Build(3), .. TestBatches.Build(4, CompressionType.Snappy), .. TestBatches.Build(1, CompressionType.Zstd)];

        var error = RecordBatchValidator.Validate(records, 1 << 20, out var batches, out var count);

        Assert.Equal((ErrorCode.None, 3, 8), (error, batches, count));
    }

    [Fact]
    public void Validate_ControlBatch_IsWellFormed()
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        ControlRecord.WriteEndTransactionMarkerBatch(writer, ControlRecordType.Commit, producerId: 1, producerEpoch: 0, coordinatorEpoch: 5, timestamp: 10);

        Assert.Equal(ErrorCode.None, RecordBatchValidator.Validate(writer.WrittenSpan, 1 << 20, out _, out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Validate_CompressedPastTheBound_ReturnsCorruptMessage()
    {
        // 17 MiB of zeros compress to a few KiB; the bound is 64 times max.message.bytes, at least 16 MiB.
        using var builder = new RecordBatchBuilder(CompressionType.Zstd);
        builder.Append(1, (byte[]?)null, new byte[17 << 20]);
        var bomb = builder.BuildToArray();

        Assert.Equal(ErrorCode.CorruptMessage, Validate(bomb, 64 * 1024));
        Assert.Equal(ErrorCode.None, Validate(bomb, 1 << 20));
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Validate_RandomGarbage_NeverThrows(CompressionType compression)
    {
        var random = new Random(5);
        var good = TestBatches.Build(4, compression);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = good.ToArray();
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            if (i % 2 == 0)
            {
                RecordBatchHeader.UpdateCrc(bytes);
            }

            var error = Validate(bytes[..random.Next(1, bytes.Length + 1)]);
            Assert.True(Enum.IsDefined(error));
        }
    }
}
