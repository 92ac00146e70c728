using Platform.Protocol.RecordFormat;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

public sealed class PartitionLogRecoveryTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_TornWriteAtEveryBytePosition_TruncatesToLastWholeBatchAndContinues()
    {
        var lastBatch = TestBatches.Create(records: 3, valueSize: 20);
        for (var torn = 1; torn < lastBatch.Length; torn++)
        {
            var directory = _dir.Partition("torn", torn);
            var fs = new FaultInjectingFileSystem { CrashAfterTornWrite = true };
            var log = OpenLog(directory, Config(("index.interval.bytes", "10")), fs);
            for (var i = 0; i < 5; i++)
            {
                log.Append(TestBatches.Create(records: 2, valueSize: 20), 0);
            }

            fs.TornAppendBytes = torn;
            Assert.Throws<StorageException>(() => log.Append(lastBatch.ToArray(), 0));
            fs.CloseAll();

            using var recovered = OpenLog(directory, Config(("index.interval.bytes", "10")));
            Assert.Equal(10, recovered.LogEndOffset);
            Assert.Equal(5, recovered.ReadAll().Count);
            Assert.Equal(10, recovered.Append(TestBatches.Create(), 0).FirstOffset);
            Assert.Equal(8, RecordBatchHeader.BaseOffset(TestBatches.Split(recovered.Read(9, 1).Records.ReadBytes()).Single()));
        }
    }

    [Fact]
    public void Open_CorruptCrcInMiddle_TruncatesThereAndDropsLaterSegments()
    {
        var config = Config(("segment.bytes", "1000"));
        var directory = _dir.Partition();
        var batchSize = TestBatches.Create(records: 1, valueSize: 50).Length;
        using (var log = OpenLog(directory, config))
        {
            for (var i = 0; i < 30; i++)
            {
                log.Append(TestBatches.Create(records: 1, valueSize: 50), 0);
            }

            Assert.True(log.SegmentCount > 2);
        }

        // Flip a value byte of the fourth batch of the first segment, and lose the checkpoint so recovery scans everything.
        var firstSegment = Directory.GetFiles(directory, "*.log").Order().First();
        var bytes = File.ReadAllBytes(firstSegment);
        bytes[(3 * batchSize) + batchSize - 5] ^= 0xFF;
        File.WriteAllBytes(firstSegment, bytes);
        File.Delete(Path.Combine(directory, "recovery-point-offset-checkpoint"));

        using var recovered = OpenLog(directory, config);

        Assert.Equal(3, recovered.LogEndOffset);
        Assert.Equal(1, recovered.SegmentCount);
        Assert.Equal(3 * batchSize, new FileInfo(firstSegment).Length);
        Assert.Equal(3, recovered.Append(TestBatches.Create(), 0).FirstOffset);
    }

    [Fact]
    public void Open_IndexFilesMissingOrCorrupt_RebuildsThem()
    {
        var config = Config(("segment.bytes", "2000"), ("index.interval.bytes", "100"));
        var directory = _dir.Partition();
        using (var log = OpenLog(directory, config))
        {
            for (var i = 0; i < 60; i++)
            {
                log.Append(TestBatches.Create(records: 1, valueSize: 50, timestamp: 100 + i), 0);
            }
        }

        var indexes = Directory.GetFiles(directory, "*.index").Order().ToList();
        File.Delete(indexes[0]);
        File.WriteAllBytes(indexes[1], [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
        File.Delete(Directory.GetFiles(directory, "*.timeindex").Order().First());

        using var reopened = OpenLog(directory, config);

        Assert.Equal(60, reopened.LogEndOffset);
        for (long offset = 0; offset < 60; offset++)
        {
            Assert.Equal(offset, RecordBatchHeader.BaseOffset(TestBatches.Split(reopened.Read(offset, 1).Records.ReadBytes()).Single()));
        }

        Assert.Equal((5L, 105L), reopened.FetchOffsetByTimestamp(105));
        Assert.True(File.Exists(indexes[0]));
    }

    [Fact]
    public void Open_UncleanShutdown_RecoversFromRecoveryPoint()
    {
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var log = OpenLog(directory, Config(("segment.bytes", "500")), fs);
        for (var i = 0; i < 20; i++)
        {
            log.Append(TestBatches.Create(records: 1, valueSize: 50), 0);
        }

        log.Flush();
        log.CheckpointRecoveryPoint();
        log.Append(TestBatches.Create(records: 1, valueSize: 50), 0);
        fs.CloseAll();

        using var reopened = OpenLog(directory, Config(("segment.bytes", "500")));

        Assert.Equal(21, reopened.LogEndOffset);
        Assert.Equal(21, reopened.RecoveryPoint);
    }

    [Fact]
    public void Open_AfterCleanClose_ReadsOnlyTheTailOfTheActiveSegment()
    {
        var directory = _dir.Partition();
        using (var log = OpenLog(directory))
        {
            for (var i = 0; i < 200; i++)
            {
                log.Append(TestBatches.Create(records: 2, timestamp: 1_000 + i, valueSize: 500), 0);
            }
        }

        var segmentSize = new FileInfo(Directory.GetFiles(directory, "*.log").Single()).Length;
        var fs = new FaultInjectingFileSystem();
        using var reopened = OpenLog(directory, fs: fs);

        // Recovery would read (and CRC-check) the whole segment; a clean close leaves nothing to recover.
        Assert.InRange(fs.LogBytesRead, 1, segmentSize / 4);
        Assert.Equal((400L, 400L), (reopened.LogEndOffset, reopened.RecoveryPoint));
        Assert.Equal((399L, 1_200L), reopened.FetchMaxTimestampOffset());
        Assert.Equal(400, reopened.Append(TestBatches.Create(timestamp: 2_000), 0).FirstOffset);
        Assert.Equal(201, reopened.ReadAll().Count);
    }

    [Fact]
    public void Open_CheckpointedAtLogEndThenTornAppend_StillCutsTheTornBytes()
    {
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem { CrashAfterTornWrite = true };
        var log = OpenLog(directory, Config(("flush.messages", "1")), fs);
        for (var i = 0; i < 5; i++)
        {
            log.Append(TestBatches.Create(records: 2, valueSize: 20), 0);
        }

        log.CheckpointRecoveryPoint();
        fs.TornAppendBytes = 70;
        Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(records: 3, valueSize: 20), 0));
        fs.CloseAll();

        using var recovered = OpenLog(directory);

        Assert.Equal(10, recovered.LogEndOffset);
        Assert.Equal(10, recovered.Append(TestBatches.Create(), 0).FirstOffset);
        Assert.Equal(6, recovered.ReadAll().Count);
    }

    [Fact]
    public void Append_DiskFull_LogOfflineUntilRestartThenConsistent()
    {
        var fs = new FaultInjectingFileSystem();
        var directory = _dir.Partition();
        using (var log = OpenLog(directory, fs: fs))
        {
            log.Append(TestBatches.Create(records: 2), 0);

            fs.DiskFull = true;
            var error = Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(), 0));
            Assert.Equal(Platform.Protocol.ErrorCode.KafkaStorageError, error.ErrorCode);
            Assert.Equal(2, log.LogEndOffset);
            Assert.True(log.IsOffline);

            // The disk has room again, but a failed write is fatal for the log until a restart.
            fs.DiskFull = false;
            Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(), 0));
            Assert.Throws<StorageException>(() => log.Read(0, 1000));
        }

        using var reopened = OpenLog(directory, fs: new FaultInjectingFileSystem());
        Assert.False(reopened.IsOffline);
        Assert.Single(reopened.ReadAll());
        Assert.Equal(2, reopened.Append(TestBatches.Create(), 0).FirstOffset);
        Assert.Equal(2, reopened.ReadAll().Count);
    }

    [Fact]
    public void Append_TornWriteAndTruncateFails_NothingVisibleAndRestartRepairs()
    {
        var fs = new FaultInjectingFileSystem();
        var directory = _dir.Partition();
        using (var log = OpenLog(directory, fs: fs))
        {
            log.Append(TestBatches.Create(records: 2), 0);
            var before = log.Size;

            fs.TornAppendBytes = 30;
            fs.FailTruncate = true;
            Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(valueSize: 100), 0));
            Assert.Equal(2, log.LogEndOffset);
            Assert.Equal(before, log.Size);
            Assert.True(log.IsOffline);

            fs.FailTruncate = false;
            Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(records: 3), 0));
        }

        using var reopened = OpenLog(directory);
        Assert.Equal(2, reopened.LogEndOffset);
        Assert.Equal(2, reopened.Append(TestBatches.Create(records: 3), 0).FirstOffset);
        Assert.Equal(2, reopened.ReadAll().Count);
        Assert.All(reopened.ReadAll(), b => Assert.True(RecordBatchHeader.IsCrcValid(b)));
    }

    [Fact]
    public void Flush_FsyncFails_ThrowsStorageExceptionAndKeepsRecoveryPoint()
    {
        var fs = new FaultInjectingFileSystem();
        using var log = OpenLog(_dir.Partition(), Config(("flush.messages", "1")), fs);
        log.Append(TestBatches.Create(), 0);
        Assert.Equal(1, log.RecoveryPoint);

        fs.FailFlush = true;
        Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(), 0));

        Assert.Equal(1, log.RecoveryPoint);
        Assert.Equal(2, log.LogEndOffset);
        fs.FailFlush = false;

        // Linux may have dropped the pages the failed fsync covered: a later fsync that succeeds proves
        // nothing, so the log stays offline and the recovery point where it was.
        Assert.Throws<StorageException>(() => log.Flush());
        log.CheckpointRecoveryPoint();
        Assert.Equal(1, log.RecoveryPoint);
        Assert.True(log.IsOffline);
    }

    [Fact]
    public void Append_FlushMessagesOne_MovesRecoveryPointEachAppend()
    {
        using var log = OpenLog(_dir.Partition(), Config(("flush.messages", "1")));

        log.Append(TestBatches.Create(records: 4), 0);

        Assert.Equal(4, log.RecoveryPoint);
    }
}
