using Platform.Protocol.RecordFormat;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

public sealed class PartitionLogAppendReadTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Append_SingleBatch_AssignsOffsetsAndEpoch()
    {
        using var log = OpenLog(_dir.Partition());
        var first = log.Append(TestBatches.Create(records: 3), leaderEpoch: 7);
        var second = log.Append(TestBatches.Create(records: 2), leaderEpoch: 7);

        Assert.Equal((0, 2), (first.FirstOffset, first.LastOffset));
        Assert.Equal((3, 4), (second.FirstOffset, second.LastOffset));
        Assert.Equal(-1, first.LogAppendTime);
        Assert.Equal(5, log.LogEndOffset);
        Assert.Equal(5, log.HighWatermark);
        var batches = log.ReadAll();
        Assert.Equal(2, batches.Count);
        Assert.Equal(3, RecordBatchHeader.BaseOffset(batches[1]));
        Assert.Equal(7, RecordBatchHeader.PartitionLeaderEpoch(batches[1]));
        Assert.True(RecordBatchHeader.IsCrcValid(batches[1]));
    }

    [Fact]
    public void Append_SeveralBatchesInOneCall_AssignsConsecutiveOffsets()
    {
        using var log = OpenLog(_dir.Partition());
        var data = TestBatches.Create(records: 2).Concat(TestBatches.Create(records: 4)).ToArray();

        var info = log.Append(data, 0);

        Assert.Equal((0, 5, 6), (info.FirstOffset, info.LastOffset, info.RecordCount));
        var batches = log.ReadAll();
        Assert.Equal([0L, 2L], batches.Select(b => RecordBatchHeader.BaseOffset(b)));
    }

    [Fact]
    public void Append_LogAppendTimeTopic_StampsBrokerTimeAndCrc()
    {
        var time = new ManualTimeProvider();
        using var log = OpenLog(_dir.Partition(), Config(("message.timestamp.type", "LogAppendTime")), time: time);

        var info = log.Append(TestBatches.Create(timestamp: 5), 0);

        Assert.Equal(time.NowMs, info.LogAppendTime);
        var batch = log.ReadAll().Single();
        Assert.Equal(TimestampType.LogAppendTime, RecordBatchHeader.TimestampType(batch));
        Assert.Equal(time.NowMs, RecordBatchHeader.MaxTimestamp(batch));
        Assert.True(RecordBatchHeader.IsCrcValid(batch));
    }

    [Fact]
    public void Append_BatchLargerThanMaxMessageBytes_Rejected()
    {
        using var log = OpenLog(_dir.Partition(), Config(("max.message.bytes", "100")));

        var error = Assert.Throws<LogException>(() => log.Append(TestBatches.Create(valueSize: 200), 0));

        Assert.Equal(Platform.Protocol.ErrorCode.MessageTooLarge, error.ErrorCode);
        Assert.Equal(0, log.LogEndOffset);
    }

    [Fact]
    public void Append_PastSegmentBytes_RollsAndReadsAcrossSegments()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "1000")));
        for (var i = 0; i < 50; i++)
        {
            log.Append(TestBatches.Create(records: 2, valueSize: 50), 0);
        }

        Assert.True(log.SegmentCount > 5);
        Assert.Equal(100, log.LogEndOffset);
        var offsets = log.ReadAll().Select(b => RecordBatchHeader.BaseOffset(b)).ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i * 2), offsets);
        Assert.All(Directory.GetFiles(_dir.Partition(), "*.log"), f => Assert.Equal(24, Path.GetFileName(f).Length));
    }

    [Fact]
    public void Append_SegmentMsElapsed_Rolls()
    {
        var time = new ManualTimeProvider();
        using var log = OpenLog(_dir.Partition(), Config(("segment.ms", "1000")), time: time);
        log.Append(TestBatches.Create(timestamp: time.NowMs), 0);
        time.Advance(2000);

        log.Append(TestBatches.Create(timestamp: time.NowMs), 0);

        Assert.Equal(2, log.SegmentCount);
    }

    [Fact]
    public void Append_OffsetIndexFull_Rolls()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.index.bytes", "16"), ("index.interval.bytes", "1")));
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(), 0);
        }

        Assert.True(log.SegmentCount >= 3);
        Assert.Equal(10, log.ReadAll().Count);
    }

    [Fact]
    public void Read_OffsetInsideBatch_StartsAtContainingBatch()
    {
        using var log = OpenLog(_dir.Partition(), Config(("index.interval.bytes", "100")));
        for (var i = 0; i < 100; i++)
        {
            log.Append(TestBatches.Create(records: 5, valueSize: 30), 0);
        }

        for (long offset = 0; offset < 500; offset += 7)
        {
            var batch = TestBatches.Split(log.Read(offset, 1).Records.ReadBytes()).Single();
            Assert.Equal(offset / 5 * 5, RecordBatchHeader.BaseOffset(batch));
        }
    }

    [Fact]
    public void Read_MaxBytesSmallerThanBatch_MinOneBatchReturnsWholeBatch()
    {
        using var log = OpenLog(_dir.Partition());
        var size = TestBatches.Create(valueSize: 500).Length;
        log.Append(TestBatches.Create(valueSize: 500), 0);
        log.Append(TestBatches.Create(valueSize: 500), 0);

        Assert.Equal(size, log.Read(0, 10, minOneBatch: true).Records.SizeInBytes);
        Assert.Equal(10, log.Read(0, 10, minOneBatch: false).Records.SizeInBytes);
        Assert.Equal(size + 100, log.Read(0, size + 100).Records.SizeInBytes);
    }

    [Fact]
    public void Read_MaxOffsetExclusive_StopsBeforeThatBatch()
    {
        using var log = OpenLog(_dir.Partition());
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(records: 2), 0);
        }

        var batches = TestBatches.Split(log.Read(0, 1 << 20, maxOffsetExclusive: 6).Records.ReadBytes());

        Assert.Equal([0L, 2L, 4L], batches.Select(b => RecordBatchHeader.BaseOffset(b)));
        Assert.Equal(0, log.Read(6, 1 << 20, maxOffsetExclusive: 6).Records.SizeInBytes);
    }

    [Fact]
    public void Read_AtLogEnd_ReturnsEmpty()
    {
        using var log = OpenLog(_dir.Partition());
        log.Append(TestBatches.Create(), 0);

        var result = log.Read(1, 1000);

        Assert.Equal(0, result.Records.SizeInBytes);
        Assert.Equal(1, result.LogEndOffset);
    }

    [Fact]
    public void Read_PastLogEndOrBeforeStart_ThrowsOffsetOutOfRange()
    {
        using var log = OpenLog(_dir.Partition());
        log.Append(TestBatches.Create(records: 3), 0);
        log.DeleteRecordsBefore(2);

        Assert.Throws<OffsetOutOfRangeException>(() => log.Read(4, 1000));
        var error = Assert.Throws<OffsetOutOfRangeException>(() => log.Read(1, 1000));
        Assert.Equal(2, error.LogStartOffset);
    }

    [Fact]
    public void Open_AfterClose_ContinuesAtLogEnd()
    {
        using (var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "500"))))
        {
            for (var i = 0; i < 20; i++)
            {
                log.Append(TestBatches.Create(records: 2, valueSize: 40), 0);
            }
        }

        using var reopened = OpenLog(_dir.Partition(), Config(("segment.bytes", "500")));
        Assert.Equal(40, reopened.LogEndOffset);
        Assert.Equal(40, reopened.RecoveryPoint);
        Assert.Equal(40, reopened.Append(TestBatches.Create(), 0).FirstOffset);
        Assert.Equal(21, reopened.ReadAll().Count);
        Assert.Equal(39, RecordBatchHeader.LastOffset(TestBatches.Split(reopened.Read(39, 1).Records.ReadBytes()).Single()));
    }

    [Fact]
    public void FetchOffsetByTimestamp_FindsFirstBatchAtOrAfter()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "400"), ("index.interval.bytes", "50")));
        for (var i = 0; i < 30; i++)
        {
            log.Append(TestBatches.Create(timestamp: 1000 + (i * 10)), 0);
        }

        Assert.Equal((0L, 1000L), log.FetchOffsetByTimestamp(0));
        Assert.Equal((10L, 1100L), log.FetchOffsetByTimestamp(1100));
        Assert.Equal((11L, 1110L), log.FetchOffsetByTimestamp(1101));
        Assert.Equal((29L, 1290L), log.FetchOffsetByTimestamp(1290));
        Assert.Null(log.FetchOffsetByTimestamp(1291));
        Assert.Equal((29L, 1290L), log.FetchMaxTimestampOffset());
    }

    [Fact]
    public void FetchOffsetByTimestamp_AfterReopen_UsesPersistedTimeIndex()
    {
        var config = Config(("segment.bytes", "400"), ("index.interval.bytes", "50"));
        using (var log = OpenLog(_dir.Partition(), config))
        {
            for (var i = 0; i < 30; i++)
            {
                log.Append(TestBatches.Create(timestamp: 1000 + (i * 10)), 0);
            }
        }

        using var reopened = OpenLog(_dir.Partition(), config);
        Assert.Equal((15L, 1150L), reopened.FetchOffsetByTimestamp(1145));
        Assert.Null(reopened.FetchOffsetByTimestamp(5000));
    }

    [Fact]
    public async Task Append_ConcurrentWithReaders_ReadersSeeOnlyWholeBatches()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "20000")));
        using var cts = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var checks = 0;
            var stop = false;
            while (!stop)
            {
                stop = cts.IsCancellationRequested;
                var end = log.LogEndOffset;
                if (end == 0)
                {
                    continue;
                }

                var batches = TestBatches.Split(log.Read(Random.Shared.NextInt64(0, end), 1 << 20).Records.ReadBytes());
                Assert.All(batches, b => Assert.True(RecordBatchHeader.IsCrcValid(b)));
                checks++;
            }

            return checks;
        });

        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 250; i++)
            {
                log.Append(TestBatches.Create(records: 2, valueSize: 100), 0);
            }
        })).ToArray();
        await Task.WhenAll(writers);
        cts.Cancel();

        Assert.True(await reader > 0);
        Assert.Equal(2000, log.LogEndOffset);
        Assert.Equal(1000, log.ReadAll().Count);
    }
}
