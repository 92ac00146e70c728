using Platform.Protocol.RecordFormat;
using Platform.Storage.Testing;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

/// <summary>
/// Smaller paths to loss found in review: each leaves the log in a state where an acknowledged batch,
/// or an abort, is gone after a restart. Each test fails on the code before the fix.
/// </summary>
public sealed class LossPathTests : IDisposable
{
    private const long Pid = 9_000;

    private readonly TempDir _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Append_IndexingThrowsAfterTheWrite_WriteUndoneAndNextAcknowledgedBatchSurvivesRestart()
    {
        var directory = _dir.Partition();
        // One offset index entry per segment and one per batch: a 20-batch append overflows it after its bytes are written.
        var config = Config(("segment.index.bytes", "8"), ("index.interval.bytes", "0"));
        byte[] acknowledged;
        using (var log = OpenLog(directory, config))
        {
            var many = Enumerable.Range(0, 20).SelectMany(i => TestBatches.Create(key: $"orphan-{i}")).ToArray();
            Assert.ThrowsAny<Exception>(() => log.Append(many, 0));
            Assert.Equal(0, log.LogEndOffset);
            Assert.Equal(0, log.Size);

            acknowledged = TestBatches.Create(records: 2, key: "acknowledged");
            Assert.Equal(0, log.Append(acknowledged, 0).FirstOffset);
            Assert.Equal([acknowledged], log.ReadAll());
        }

        using var reopened = OpenLog(directory, config);
        Assert.Equal(2, reopened.LogEndOffset);
        Assert.Equal([acknowledged], reopened.ReadAll());
    }

    [Fact]
    public void Flush_SegmentDeletedByRetentionDuringTheFlush_StillFlushesEveryOtherSegmentBeforeMovingTheRecoveryPoint()
    {
        var fs = new FaultInjectingFileSystem();
        var config = Config(("segment.bytes", "600"), ("file.delete.delay.ms", "0"));
        using var log = OpenLog(_dir.Partition(), config, fs, _time);
        // The recovery point stays at 0 while three segments fill: the background flushes of the rolls fail
        // (with an error that is neither I/O nor a delete, so the log stays online).
        var firstPath = log.Segments[0].LogPath;
        var deleting = false;
        fs.FlushFault = path => path != firstPath ? null
            : !deleting ? new InvalidOperationException("not now")
            : DeleteFirstSegment(log, path);
        for (var i = 0; i < 3; i++)
        {
            log.Append(TestBatches.Create(valueSize: 500), 0);
        }

        log.WaitForRollFlush();
        Assert.Equal(0, log.RecoveryPoint);
        Assert.Equal(3, log.SegmentCount);
        var active = log.Segments[^1].LogPath;
        var flushesBefore = fs.FlushCount(active);

        // Retention removes the first segment while the flush is at it, as the retention thread can.
        deleting = true;
        log.Flush();

        Assert.Equal(2, log.SegmentCount);
        Assert.True(fs.FlushCount(active) > flushesBefore, "the recovery point moved over an active segment that was never fsynced");
        Assert.Equal(log.LogEndOffset, log.RecoveryPoint);
    }

    private static ObjectDisposedException DeleteFirstSegment(PartitionLog log, string path)
    {
        log.DeleteRecordsBefore(log.Segments[1].BaseOffset);
        return new ObjectDisposedException(path);
    }

    [Fact]
    public void AppendMarker_TxnIndexWriteFails_LogOfflineAndRestartRestoresTheAbort()
    {
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var config = Config(("segment.bytes", "600"));
        using (var log = OpenLog(directory, config, fs, _time))
        {
            log.Append(TestBatches.Idempotent(Pid, 0, 0, records: 3, timestamp: _time.NowMs, key: "txn", transactional: true), 0);
            fs.AppendFault = path => path.EndsWith(".txnindex", StringComparison.Ordinal) ? new IOException("Input/output error (txnindex)") : null;
            try
            {
                log.AppendMarker(Pid, 0, coordinatorEpoch: 0, commit: false, leaderEpoch: 0);
            }
            catch (StorageException)
            {
                // Fixed behaviour: the failed index write is fatal for the log.
            }

            fs.AppendFault = null;
            try
            {
                // Before the fix, these rolled the segment and wrote a producer snapshot past the marker, so the
                // restart's replay, which starts at the snapshot, never restored the lost entry.
                for (var i = 0; i < 3; i++)
                {
                    log.Append(TestBatches.Create(valueSize: 500, timestamp: _time.NowMs), 0);
                }

                log.WaitForRollFlush();
            }
            catch (StorageException)
            {
                Assert.True(log.IsOffline);
            }
        }

        using var reopened = OpenLog(directory, config, time: _time);
        var aborted = Assert.Single(reopened.GetAbortedTransactions(0, long.MaxValue));
        Assert.Equal((Pid, 0L), (aborted.ProducerId, aborted.FirstOffset));
    }

    [Fact]
    public void Append_TornTailNotCutThenRoll_RefusedAndRestartRecoversTheTail()
    {
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var config = Config(("segment.bytes", "600"));
        using (var log = OpenLog(directory, config, fs))
        {
            log.Append(TestBatches.Create(records: 2, valueSize: 100), 0);
            fs.TornAppendBytes = 40;
            fs.FailTruncate = true;
            Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(valueSize: 300), 0));
            fs.FailTruncate = false;

            // A roll now would freeze the torn bytes into an inactive segment, below the recovery point,
            // where no restart rescans them.
            Assert.Throws<StorageException>(() => log.Append(TestBatches.Create(valueSize: 500), 0));
            Assert.Equal(1, log.SegmentCount);
        }

        using var reopened = OpenLog(directory, config);
        Assert.Equal(2, reopened.LogEndOffset);
        Assert.Equal(2, reopened.Append(TestBatches.Create(valueSize: 500), 0).FirstOffset);
        Assert.All(reopened.ReadAll(), b => Assert.True(RecordBatchHeader.IsCrcValid(b)));
        Assert.Equal(2, reopened.ReadAll().Count);
    }
}
