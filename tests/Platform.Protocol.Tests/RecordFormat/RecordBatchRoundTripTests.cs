using System.Buffers;
using System.Text;
using Platform.Protocol.RecordFormat;
using Record = Platform.Protocol.RecordFormat.Record;

namespace Platform.Protocol.Tests.RecordFormat;

public class RecordBatchRoundTripTests
{
    public static TheoryData<CompressionType> Codecs =>
        [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    private sealed record Expected(long Timestamp, byte[]? Key, byte[]? Value, RecordHeader[] Headers);

    private static List<Expected> SampleRecords()
    {
        var random = new Random(11);
        var big = new byte[100_000];
        random.NextBytes(big);
        return
        [
            new(1_700_000_000_000, "key-0"u8.ToArray(), "value-0"u8.ToArray(), []),
            new(1_700_000_000_005, null, "no key"u8.ToArray(), []),
            new(1_700_000_000_003, "tombstone"u8.ToArray(), null, []),
            new(1_699_999_999_000, null, null, [new("h1", "v1"u8.ToArray()), new("nullable", null)]),
            new(1_700_000_000_010, [], [], [new("", []), new("ünïcødé", [1, 2, 3])]),
            new(1_700_000_100_000, "big"u8.ToArray(), big, [new("trace", Encoding.UTF8.GetBytes(new string('x', 300)))]),
        ];
    }

    private static void AssertRecordsEqual(IReadOnlyList<Expected> expected, RecordBatchReader reader, long baseOffset)
    {
        var i = 0;
        foreach (var record in reader)
        {
            var e = expected[i];
            Assert.Equal(baseOffset + i, record.Offset);
            Assert.Equal(i, record.OffsetDelta);
            Assert.Equal(e.Timestamp, record.Timestamp);
            Assert.Equal(e.Key is null, record.IsKeyNull);
            Assert.Equal(e.Key is null, record.Key is null);
            Assert.Equal(e.Key ?? [], record.KeySpan.ToArray());
            Assert.Equal(e.Value is null, record.IsValueNull);
            Assert.Equal(e.Value ?? [], record.ValueSpan.ToArray());
            var headers = record.Headers.ToArray();
            Assert.Equal(e.Headers.Length, headers.Length);
            for (var h = 0; h < headers.Length; h++)
            {
                Assert.Equal(e.Headers[h].Key, headers[h].Key);
                Assert.Equal(e.Headers[h].Value, headers[h].Value);
            }

            i++;
        }

        Assert.Equal(expected.Count, i);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Build_MixedRecords_DecodesToSameRecordsAndHeader(CompressionType compression)
    {
        var expected = SampleRecords();
        using var builder = new RecordBatchBuilder(compression)
        {
            BaseOffset = 1234,
            PartitionLeaderEpoch = 7,
            ProducerId = 99,
            ProducerEpoch = 3,
            BaseSequence = 42,
            IsTransactional = true,
        };
        foreach (var e in expected)
        {
            builder.Append(e.Timestamp, e.Key, e.Value, e.Headers);
        }

        var bytes = builder.BuildToArray();

        Assert.True(RecordBatchHeader.IsCrcValid(bytes));
        Assert.Equal(ErrorCode.None, RecordBatchValidator.Validate(bytes, int.MaxValue, out var batches, out var count));
        Assert.Equal((1, expected.Count), (batches, count));
        using var reader = new RecordBatchReader();
        reader.Load(bytes);
        var batch = reader.Batch;
        Assert.Equal(bytes.Length, batch.SizeInBytes);
        Assert.Equal(1234, batch.BaseOffset);
        Assert.Equal(1234 + expected.Count - 1, batch.LastOffset);
        Assert.Equal(7, batch.PartitionLeaderEpoch);
        Assert.Equal(2, batch.Magic);
        Assert.Equal(compression, batch.Compression);
        Assert.Equal(TimestampType.CreateTime, batch.TimestampType);
        Assert.True(batch.IsTransactional);
        Assert.False(batch.IsControl);
        Assert.Equal(expected[0].Timestamp, batch.BaseTimestamp);
        Assert.Equal(expected.Max(e => e.Timestamp), batch.MaxTimestamp);
        Assert.Equal(99, batch.ProducerId);
        Assert.Equal((short)3, batch.ProducerEpoch);
        Assert.Equal(42, batch.BaseSequence);
        Assert.Equal(42 + expected.Count - 1, batch.LastSequence);
        Assert.Equal(expected.Count, batch.RecordsCount);
        AssertRecordsEqual(expected, reader, 1234);
    }

    /// <summary>
    /// An uncompressed batch built where its records were encoded (after a buffer growth, for the 100 KB record) has the
    /// bytes <see cref="RecordBatchBuilder.Build"/> writes; built again with another producer epoch, its header and CRC follow.
    /// </summary>
    [Fact]
    public void BuildInPlace_Uncompressed_SameBytesAsBuild_AndRebuiltWithNewHeader()
    {
        var expected = SampleRecords();
        using var builder = new RecordBatchBuilder(CompressionType.None, initialCapacity: 1024) { ProducerId = 99, ProducerEpoch = 3, BaseSequence = 42 };
        foreach (var e in expected)
        {
            builder.Append(e.Timestamp, e.Key, e.Value, e.Headers);
        }

        Assert.Equal(builder.BuildToArray(), builder.BuildInPlace().ToArray());

        builder.ProducerEpoch = 4;
        var rebuilt = builder.BuildInPlace().ToArray();

        Assert.True(RecordBatchHeader.IsCrcValid(rebuilt));
        using var reader = new RecordBatchReader();
        reader.Load(rebuilt);
        Assert.Equal((short)4, reader.Batch.ProducerEpoch);
        AssertRecordsEqual(expected, reader, 0);
        using var compressed = new RecordBatchBuilder(CompressionType.Lz4);
        compressed.Append(1, null, "v"u8.ToArray());
        Assert.Throws<InvalidOperationException>(() => compressed.BuildInPlace());
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Build_ManySmallRecords_RoundTripsAndCompresses(CompressionType compression)
    {
        using var builder = new RecordBatchBuilder(compression, initialCapacity: 256);
        for (var i = 0; i < 5000; i++)
        {
            builder.Append(1000 + i, Encoding.ASCII.GetBytes($"user-{i % 50}"), Encoding.ASCII.GetBytes($"{{\"n\":{i},\"ok\":true}}"));
        }

        var bytes = builder.BuildToArray();

        if (compression != CompressionType.None)
        {
            Assert.True(bytes.Length < builder.UncompressedSizeInBytes / 2, $"{bytes.Length} vs {builder.UncompressedSizeInBytes}");
        }

        using var reader = new RecordBatchReader();
        reader.Load(bytes);
        var n = 0;
        foreach (var record in reader)
        {
            Assert.Equal(n, record.Offset);
            Assert.Equal(1000 + n, record.Timestamp);
            Assert.Equal($"user-{n % 50}", Encoding.ASCII.GetString(record.KeySpan));
            n++;
        }

        Assert.Equal(5000, n);
    }

    [Fact]
    public void Reader_ReusedAcrossCodecs_DecodesEachBatch()
    {
        using var reader = new RecordBatchReader();
        foreach (var compression in new[] { CompressionType.Zstd, CompressionType.None, CompressionType.Gzip, CompressionType.Lz4, CompressionType.Snappy })
        {
            reader.Load(TestBatches.Build(20, compression, baseOffset: 100, valueSize: 50));

            var offsets = new List<long>();
            foreach (var record in reader)
            {
                offsets.Add(record.Offset);
                Assert.Equal(50, record.ValueSpan.Length);
            }

            Assert.Equal(Enumerable.Range(100, 20).Select(i => (long)i), offsets);
        }
    }

    [Fact]
    public void Build_EmptyBuilderWithLastOffsetDelta_WritesEmptyBatchKeepingProducerState()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Zstd)
        {
            BaseOffset = 50,
            ProducerId = 5,
            ProducerEpoch = 1,
            BaseSequence = 10,
            LastOffsetDelta = 4,
        };

        var bytes = builder.BuildToArray();

        Assert.Equal(RecordBatchHeader.Size, bytes.Length);
        var batch = new RecordBatch(bytes);
        Assert.Equal(CompressionType.None, batch.Compression);
        Assert.Equal(54, batch.LastOffset);
        Assert.Equal(14, batch.LastSequence);
        Assert.Equal(0, batch.RecordsCount);
        Assert.True(batch.IsCrcValid());
        using var reader = new RecordBatchReader();
        reader.Load(bytes);
        Assert.False(reader.GetEnumerator().MoveNext());
    }

    [Fact]
    public void Append_DecodedRecordsIntoNewBuilder_PreservesOffsetsTimestampsAndHeaders()
    {
        using var source = new RecordBatchBuilder(CompressionType.Lz4) { BaseOffset = 1000, ProducerId = 8, BaseSequence = 0 };
        for (var i = 0; i < 10; i++)
        {
            source.Append(5000 + (i * 10), Encoding.ASCII.GetBytes($"k{i % 3}"), i == 9 ? null : new[] { (byte)i }, [new RecordHeader("i", [(byte)i])]);
        }

        using var reader = new RecordBatchReader();
        reader.Load(source.BuildToArray());

        // Compaction: keep the latest record per key, in a batch with the original base offset and producer fields.
        using var compacted = new RecordBatchBuilder(CompressionType.Gzip) { BaseOffset = 1000, ProducerId = 8, BaseSequence = 0 };
        var all = new List<Record>();
        foreach (var record in reader)
        {
            all.Add(record);
        }

        foreach (var record in all.Where(r => r.Offset >= 1007))
        {
            compacted.Append(record);
        }

        compacted.LastOffsetDelta = 9;
        var bytes = compacted.BuildToArray();

        using var check = new RecordBatchReader();
        check.Load(bytes);
        Assert.Equal(1009, check.Batch.LastOffset);
        Assert.Equal(9, check.Batch.LastSequence);
        var kept = new List<(long Offset, long Timestamp, string Key, bool Tombstone, byte Header)>();
        foreach (var record in check)
        {
            Assert.Single(record.Headers.ToArray());
            kept.Add((record.Offset, record.Timestamp, Encoding.ASCII.GetString(record.KeySpan), record.IsValueNull, record.Headers.ToArray()[0].Value![0]));
        }

        Assert.Equal(
            [(1007, 5070, "k1", false, (byte)7), (1008, 5080, "k2", false, (byte)8), (1009, 5090, "k0", true, (byte)9)],
            kept);
        Assert.Equal(ErrorCode.CorruptMessage, RecordBatchValidator.Validate(bytes, int.MaxValue, out _, out _));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void AppendAtNextOffset_SplittingADecodedBatch_RenumbersOffsetsKeepsEverythingElse(CompressionType compression)
    {
        var expected = SampleRecords();
        using var source = new RecordBatchBuilder(compression);
        foreach (var e in expected)
        {
            source.Append(e.Timestamp, e.Key, e.Value, e.Headers);
        }

        using var reader = new RecordBatchReader();
        reader.Load(source.BuildToArray());

        // A producer's split: the records from the fourth on go to a batch of their own, at offset deltas from 0.
        using var second = new RecordBatchBuilder(compression) { BaseOffset = 50 };
        var index = 0;
        foreach (var record in reader)
        {
            if (index++ >= 3)
            {
                second.AppendAtNextOffset(record);
            }
        }

        using var check = new RecordBatchReader();
        check.Load(second.BuildToArray());
        AssertRecordsEqual(expected.Skip(3).ToList(), check, 50);
    }

    [Fact]
    public void AppendWithOffsetDelta_NotIncreasing_Throws()
    {
        using var builder = new RecordBatchBuilder();
        builder.AppendWithOffsetDelta(3, 0, null, null);

        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AppendWithOffsetDelta(3, 0, null, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.LastOffsetDelta = 2);
    }

    [Fact]
    public void BaseTimestamp_SetBeforeRecords_DeltasAreRelativeToIt()
    {
        using var builder = new RecordBatchBuilder { BaseTimestamp = 10_000, HasDeleteHorizon = true };
        builder.Append(9_000, null, "a"u8.ToArray());
        builder.Append(12_000, null, "b"u8.ToArray());

        using var reader = new RecordBatchReader();
        reader.Load(builder.BuildToArray());

        Assert.True(reader.Batch.HasDeleteHorizon);
        Assert.Equal(10_000, reader.Batch.BaseTimestamp);
        Assert.Equal(12_000, reader.Batch.MaxTimestamp);
        var records = new List<(long, long)>();
        foreach (var record in reader)
        {
            records.Add((record.Timestamp, record.TimestampDelta));
        }

        Assert.Equal([(9_000L, -1_000L), (12_000L, 2_000L)], records);
        Assert.Throws<InvalidOperationException>(() => builder.BaseTimestamp = 1);
    }

    [Fact]
    public void Reader_LogAppendTimeBatch_ReportsMaxTimestampForEveryRecord()
    {
        var bytes = TestBatches.Build(3);
        RecordBatchHeader.StampLogAppendTime(bytes, 1_800_000_000_000);

        using var reader = new RecordBatchReader();
        reader.Load(bytes);

        foreach (var record in reader)
        {
            Assert.Equal(1_800_000_000_000, record.Timestamp);
        }
    }

    [Fact]
    public void Reset_AfterBuild_StartsAFreshBatchWithSameSettings()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Snappy) { ProducerId = 77 };
        builder.Append(1, "a"u8.ToArray(), "1"u8.ToArray());
        builder.BuildToArray();

        builder.Reset();
        builder.Append(500, "b"u8.ToArray(), "2"u8.ToArray());
        var bytes = builder.BuildToArray();

        var batch = new RecordBatch(bytes);
        Assert.Equal((1, 500L, 500L, 77L, CompressionType.Snappy), (batch.RecordsCount, batch.BaseTimestamp, batch.MaxTimestamp, batch.ProducerId, batch.Compression));
    }

    [Fact]
    public void Build_ToBufferWriterTwice_WritesTwoBatchesBackToBack()
    {
        using var builder = new RecordBatchBuilder(CompressionType.Zstd);
        builder.Append(1, null, "x"u8.ToArray());
        var writer = new ArrayBufferWriter<byte>();

        var first = builder.Build(writer);
        var second = builder.Build(writer);

        Assert.Equal(first + second, writer.WrittenCount);
        Assert.Equal(ErrorCode.None, RecordBatchValidator.Validate(writer.WrittenSpan, int.MaxValue, out var batches, out _));
        Assert.Equal(2, batches);
    }

    [Fact]
    public void Load_CrcMismatch_ThrowsInvalidData()
    {
        var bytes = TestBatches.Build(3);
        bytes[^1] ^= 0xFF;
        using var reader = new RecordBatchReader();

        var ex = Assert.Throws<InvalidDataException>(() => reader.Load(bytes));
        Assert.Contains("CRC", ex.Message);
        reader.Load(bytes, verifyCrc: false);
    }

    [Fact]
    public void Load_CompressedPayloadCorrupt_ThrowsInvalidDataNamingCodec()
    {
        var bytes = TestBatches.Build(50, CompressionType.Zstd);
        for (var i = RecordBatchHeader.Size + 4; i < bytes.Length; i++)
        {
            bytes[i] = 0xAB;
        }

        RecordBatchHeader.UpdateCrc(bytes);
        using var reader = new RecordBatchReader();

        var ex = Assert.Throws<InvalidDataException>(() => reader.Load(bytes));
        Assert.Contains("zstd", ex.Message);
    }

    [Fact]
    public void Enumerate_RecordsCountLargerThanRecords_ThrowsInvalidData()
    {
        var bytes = TestBatches.WithInt32(TestBatches.Build(3), RecordBatchHeader.RecordsCountOffset, 4);
        using var reader = new RecordBatchReader();
        reader.Load(bytes);

        Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var record in reader)
            {
                _ = record.Offset;
            }
        });
    }

    [Fact]
    public void Enumerate_RecordsCountSmallerThanRecords_ThrowsInvalidData()
    {
        var bytes = TestBatches.WithInt32(TestBatches.Build(3), RecordBatchHeader.RecordsCountOffset, 2);
        using var reader = new RecordBatchReader();
        reader.Load(bytes);

        Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var record in reader)
            {
                _ = record.Offset;
            }
        });
    }

    [Theory]
    [InlineData(10)]
    [InlineData(RecordBatchHeader.Size - 1)]
    public void Load_TooShort_ThrowsInvalidData(int length)
    {
        var bytes = TestBatches.Build(1)[..length];
        using var reader = new RecordBatchReader();

        Assert.Throws<InvalidDataException>(() => reader.Load(bytes));
    }

    [Fact]
    public void Load_MagicOne_ThrowsInvalidData()
    {
        using var reader = new RecordBatchReader();

        Assert.Throws<InvalidDataException>(() => reader.Load(TestBatches.WithByte(TestBatches.Build(1), RecordBatchHeader.MagicOffset, 1)));
    }

    [Fact]
    public void Append_HeaderWithNullKey_Throws()
    {
        using var builder = new RecordBatchBuilder();

        Assert.Throws<ArgumentException>(() => builder.Append(0, null, null, [default(RecordHeader)]));
        Assert.Equal(0, builder.Count);
    }

    [Fact]
    public void Headers_Enumerated_YieldSlicesWithoutCopy()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(0, null, null, [new RecordHeader("a", "1"u8.ToArray()), new RecordHeader("b", null)]);
        using var reader = new RecordBatchReader();
        reader.Load(builder.BuildToArray());
        var enumerator = reader.GetEnumerator();
        Assert.True(enumerator.MoveNext());

        var seen = new List<string>();
        foreach (var header in enumerator.Current.Headers)
        {
            seen.Add($"{header.KeyString}={(header.IsValueNull ? "null" : Encoding.ASCII.GetString(header.Value!.Value.Span))}");
        }

        Assert.Equal(["a=1", "b=null"], seen);
    }

    [Fact]
    public void Append_SteadyState_AllocatesUnder100BytesPerRecord()
    {
        using var builder = new RecordBatchBuilder(CompressionType.None);
        var key = new byte[16];
        var value = new byte[100];
        RecordHeader[] headers = [new("trace-id", new byte[16])];
        var output = new ArrayBufferWriter<byte>(1 << 20);

        void OneBatch()
        {
            builder.Reset();
            for (var i = 0; i < 1000; i++)
            {
                builder.Append(1_700_000_000_000 + i, key, value, headers);
            }

            output.ResetWrittenCount();
            builder.Build(output);
        }

        OneBatch();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var b = 0; b < 10; b++)
        {
            OneBatch();
        }

        var perRecord = (GC.GetAllocatedBytesForCurrentThread() - before) / 10_000.0;
        Assert.True(perRecord < 100, $"{perRecord} bytes per record");
    }
}
