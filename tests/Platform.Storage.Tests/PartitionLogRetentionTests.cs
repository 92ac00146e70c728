using Platform.Protocol.RecordFormat;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

public sealed class PartitionLogRetentionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ApplyRetention_SegmentsOlderThanRetentionMs_DeletedAndLogStartMoves()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "500"), ("retention.ms", "10000"), ("file.delete.delay.ms", "0")), time: _time);
        var now = _time.NowMs;
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(valueSize: 100, timestamp: now - 20_000), 0);
        }

        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(valueSize: 100, timestamp: now), 0);
        }

        var removed = log.ApplyRetention(now);

        Assert.True(removed > 0);
        Assert.True(log.LogStartOffset is > 0 and <= 10);
        Assert.All(log.ReadAll(), b => Assert.True(RecordBatchHeader.LastOffset(b) >= log.LogStartOffset));
        Assert.Throws<OffsetOutOfRangeException>(() => log.Read(0, 100));
        Assert.Equal(20, log.LogEndOffset);
    }

    [Fact]
    public void ApplyRetention_ActiveSegmentExpired_RollsAndDeletesIt()
    {
        using var log = OpenLog(_dir.Partition(), Config(("retention.ms", "1000")), time: _time);
        log.Append(TestBatches.Create(records: 3, timestamp: _time.NowMs), 0);
        _time.Advance(5000);

        log.ApplyRetention(_time.NowMs);

        Assert.Equal(3, log.LogStartOffset);
        Assert.Equal(1, log.SegmentCount);
        Assert.Equal(3, log.Append(TestBatches.Create(), 0).FirstOffset);
    }

    [Fact]
    public void ApplyRetention_RetentionBytes_KeepsNewestSegmentsWithinLimit()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "1000"), ("retention.bytes", "2500")), time: _time);
        for (var i = 0; i < 40; i++)
        {
            log.Append(TestBatches.Create(valueSize: 100, timestamp: _time.NowMs), 0);
        }

        log.ApplyRetention(_time.NowMs);

        Assert.True(log.Size <= 2500 + 1000);
        Assert.True(log.Size > 2500 - 1000);
        Assert.True(log.LogStartOffset > 0);
        Assert.Equal(log.LogStartOffset, RecordBatchHeader.BaseOffset(log.ReadAll()[0]));
    }

    [Fact]
    public void ApplyRetention_CompactPolicy_DoesNotDeleteByTime()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "500"), ("retention.ms", "1"), ("cleanup.policy", "compact")), time: _time);
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(valueSize: 100, timestamp: 1), 0);
        }

        Assert.Equal(0, log.ApplyRetention(_time.NowMs));
        Assert.Equal(0, log.LogStartOffset);
    }

    [Fact]
    public void ApplyRetention_DeletedSegment_StaysReadableUntilDeleteDelay()
    {
        using var log = OpenLog(_dir.Partition(), Config(("segment.bytes", "500"), ("retention.ms", "1000"), ("file.delete.delay.ms", "60000")), time: _time);
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(valueSize: 100, timestamp: _time.NowMs - 5000), 0);
        }

        log.Append(TestBatches.Create(valueSize: 100, timestamp: _time.NowMs), 0);
        var handedOut = log.Read(0, 1 << 20).Records;

        log.ApplyRetention(_time.NowMs);

        Assert.True(log.LogStartOffset > 0);
        Assert.NotEmpty(Directory.GetFiles(_dir.Partition(), "*.log.deleted"));
        Assert.Equal(0, RecordBatchHeader.BaseOffset(TestBatches.Split(handedOut.ReadBytes())[0]));

        _time.Advance(60_001);
        log.DeleteRetiredSegments(_time.NowMs);
        Assert.Empty(Directory.GetFiles(_dir.Partition(), "*.deleted"));
    }

    [Fact]
    public void DeleteRecordsBefore_MidSegment_MovesLogStartAndPersists()
    {
        var config = Config(("segment.bytes", "500"));
        using (var log = OpenLog(_dir.Partition(), config, time: _time))
        {
            for (var i = 0; i < 20; i++)
            {
                log.Append(TestBatches.Create(valueSize: 100), 0);
            }

            var segmentsBefore = log.SegmentCount;
            Assert.Equal(13, log.DeleteRecordsBefore(13));
            Assert.True(log.SegmentCount < segmentsBefore);
            Assert.Throws<OffsetOutOfRangeException>(() => log.Read(12, 100));
            Assert.Equal(7, log.ReadAll().Count);
            Assert.Throws<OffsetOutOfRangeException>(() => log.DeleteRecordsBefore(21));
        }

        using var reopened = OpenLog(_dir.Partition(), config, time: _time);
        Assert.Equal(13, reopened.LogStartOffset);
        Assert.Equal(13, reopened.LogStartOffset);
    }

    [Fact]
    public void Delete_RemovesDirectory()
    {
        var log = OpenLog(_dir.Partition(), time: _time);
        log.Append(TestBatches.Create(), 0);

        log.Delete();

        Assert.False(Directory.Exists(_dir.Partition()));
        Assert.Throws<ObjectDisposedException>(() => log.Append(TestBatches.Create(), 0));
    }
}
