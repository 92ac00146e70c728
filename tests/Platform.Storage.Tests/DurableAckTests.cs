using Platform.Storage.Testing;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

/// <summary>
/// write.caching=false: waiters are answered only once their offsets are fsynced, one fsync covers
/// every waiter of the partition (group commit), readers see only fsynced records, and a failed
/// fsync fails the waiters and takes the log offline instead of exposing what may be lost.
/// </summary>
public sealed class DurableAckTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static LogConfig Durable(params (string Key, string Value)[] more)
        => Config([(LogConfig.WriteCachingConfig, "false"), .. more]);

    [Fact]
    public async Task WaitForDurableAsync_WriteCachingFalse_CompletesAfterFsyncAndHighWatermarkFollows()
    {
        var fs = new FaultInjectingFileSystem();
        using var log = OpenLog(_dir.Partition(), Durable(), fs);
        var logFile = log.Segments[0].LogPath;
        var before = fs.FlushCount(logFile);

        var info = log.Append(TestBatches.Create(records: 3), 0);
        await log.WaitForDurableAsync(info.LastOffset + 1).WaitAsync(Deadline);

        Assert.True(fs.FlushCount(logFile) > before, "acknowledged before the .log was fsynced");
        Assert.True(log.DurableOffset >= 3);
        Assert.Equal(3, log.HighWatermark);
    }

    [Fact]
    public async Task WaitForDurableAsync_WaitersArriveDuringAnFsync_OneMoreFsyncCoversThemAll()
    {
        var fs = new FaultInjectingFileSystem();
        using var log = OpenLog(_dir.Partition(), Durable(), fs);
        var logFile = log.Segments[0].LogPath;
        using var inFsync = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        fs.FlushFault = path =>
        {
            if (path == logFile && fs.FlushCount(logFile) == 0)
            {
                inFsync.Release();
                release.Wait(Deadline);
            }

            return null;
        };

        var first = log.WaitForDurableAsync(log.Append(TestBatches.Create(), 0).LastOffset + 1);
        Assert.True(await inFsync.WaitAsync(Deadline));
        var waiters = Enumerable.Range(0, 10).Select(_ => log.WaitForDurableAsync(log.Append(TestBatches.Create(), 0).LastOffset + 1)).ToList();
        Assert.Equal(0, log.HighWatermark);
        release.Release();

        await Task.WhenAll([first, .. waiters]).WaitAsync(Deadline);
        Assert.Equal(2, fs.FlushCount(logFile));
        Assert.Equal(11, log.HighWatermark);
    }

    [Fact]
    public async Task WaitForDurableAsync_FsyncFails_WaitersFailRecordsStayInvisibleAndLogOffline()
    {
        var fs = new FaultInjectingFileSystem();
        using var log = OpenLog(_dir.Partition(), Durable(), fs);
        await log.WaitForDurableAsync(log.Append(TestBatches.Create(records: 2), 0).LastOffset + 1).WaitAsync(Deadline);

        fs.FailFlush = true;
        var info = log.Append(TestBatches.Create(records: 5), 0);
        var error = await Assert.ThrowsAsync<StorageException>(() => log.WaitForDurableAsync(info.LastOffset + 1).WaitAsync(Deadline));
        fs.FailFlush = false;

        Assert.Equal(Platform.Protocol.ErrorCode.KafkaStorageError, error.ErrorCode);
        Assert.True(log.IsOffline);
        Assert.Equal(2, log.HighWatermark);
        Assert.Equal(2, log.DurableOffset);
        Assert.Throws<StorageException>(() => log.Read(0, 1 << 20));
        await Assert.ThrowsAsync<StorageException>(() => log.WaitForDurableAsync(info.LastOffset + 1).WaitAsync(Deadline));
    }

    [Fact]
    public async Task PowerLoss_WriteCachingFalse_EveryAcknowledgedBatchSurvives()
    {
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<long, byte[]>();
        var log = OpenLog(directory, Durable(("segment.bytes", "4096")), fs);
        using var enough = new CancellationTokenSource();
        var producers = Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            for (var i = 0; !enough.IsCancellationRequested; i++)
            {
                var batch = TestBatches.Create(records: 2, key: $"p{p}-{i}");
                LogAppendInfo info;
                try
                {
                    info = log.Append(batch, 0);
                    await log.WaitForDurableAsync(info.LastOffset + 1);
                }
                catch (Exception e) when (e is StorageException or ObjectDisposedException)
                {
                    return;
                }

                acknowledged[info.FirstOffset] = batch;
                if (acknowledged.Count >= 300)
                {
                    enough.Cancel();
                }
            }
        })).ToList();

        Assert.True(await Eventually(() => acknowledged.Count >= 300));
        fs.PowerLoss();
        await Task.WhenAll(producers).WaitAsync(Deadline);
        log.Dispose();

        using var rebooted = OpenLog(directory, Durable(("segment.bytes", "4096")), new FaultInjectingFileSystem());
        var survived = rebooted.ReadAll().ToDictionary(b => Platform.Protocol.RecordFormat.RecordBatchHeader.BaseOffset(b));
        foreach (var (offset, batch) in acknowledged)
        {
            Assert.True(survived.TryGetValue(offset, out var found), $"acknowledged batch at offset {offset} lost");
            Assert.Equal(batch, found);
        }
    }

    [Fact]
    public async Task Append_WriteCachingFalseNoOneWaits_RecordsBecomeReadableWithOneDeferredFsync()
    {
        // acks=1 appends no one waits for: one fsync covers them all when the deferral delay has passed, instead of one per append.
        var fs = new FaultInjectingFileSystem();
        var clock = new ManualTimeProvider(manualTimers: true);
        using var log = OpenLog(_dir.Partition(), Durable(), fs, clock);
        var logFile = log.Segments[0].LogPath;
        var before = fs.FlushCount(logFile);
        for (var i = 0; i < 10; i++)
        {
            log.Append(TestBatches.Create(records: 2), 0);
        }

        clock.Advance((long)GroupCommit.DeferredDelay.TotalMilliseconds - 1);
        Assert.Equal(0, log.HighWatermark);
        Assert.Equal(0, fs.FlushCount(logFile) - before);

        clock.Advance(1);
        Assert.True(await Eventually(() => log.HighWatermark == 20));
        Assert.Equal(1, fs.FlushCount(logFile) - before);
    }

    [Fact]
    public async Task ReaderAtHighWatermark_WriteCachingFalse_EachAppendIsFsyncedAtOnce()
    {
        // A consumer waits at the tail: its records must not wait for the deferred fsync. The clock stands
        // still, so the deferral delay never passes: only a round started by the append itself makes it readable.
        var fs = new FaultInjectingFileSystem();
        using var log = OpenLog(_dir.Partition(), Durable(), fs, new ManualTimeProvider(manualTimers: true));
        var logFile = log.Segments[0].LogPath;
        var before = fs.FlushCount(logFile);
        log.ReaderAtHighWatermark();
        for (var i = 1; i <= 10; i++)
        {
            log.Append(TestBatches.Create(records: 2), 0);
            var end = 2L * i;
            Assert.True(await Eventually(() => log.HighWatermark == end), $"append {i} not readable without the deferred fsync");
        }

        Assert.Equal(10, fs.FlushCount(logFile) - before);
    }

    [Fact]
    public void Checkpoints_RenamedIntoPlace_TheirDirectoryIsFsyncedBeforeTheyCount()
    {
        // A checkpoint renamed over the old one is durable only once its directory is: else a power loss can bring the old one back.
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var log = OpenLog(directory, Durable(("segment.bytes", "4096")), fs);
        log.AssignEpochAtLogEnd(3);
        while (log.SegmentCount < 3)
        {
            log.Append(TestBatches.Create(records: 2), 3);
        }

        log.Flush();
        log.DeleteRecordsBefore(2);
        log.CheckpointRecoveryPoint();
        log.Dispose();

        Assert.Contains(fs.ListFiles(directory), f => f.EndsWith(".snapshot", StringComparison.Ordinal));
        Assert.Empty(fs.UnsyncedRenames);
    }

    [Fact]
    public async Task PowerLoss_SegmentsRolledAfterTheLastDirectoryFsync_TheirAcknowledgedRecordsSurvive()
    {
        // An fsynced segment is lost all the same if its directory entry is: each roll creates files the directory must record.
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var log = OpenLog(directory, Durable(("segment.bytes", "4096")), fs);
        while (log.SegmentCount < 4)
        {
            var info = log.Append(TestBatches.Create(records: 2), 0);
            await log.WaitForDurableAsync(info.LastOffset + 1).WaitAsync(Deadline);
        }

        var acknowledged = log.LogEndOffset;
        Assert.DoesNotContain(fs.UnsyncedEntries, entry => entry.EndsWith(".log", StringComparison.Ordinal) || entry == Path.GetFullPath(directory));
        fs.PowerLoss();
        log.Dispose();

        using var rebooted = OpenLog(directory, Durable(("segment.bytes", "4096")), new FaultInjectingFileSystem());
        Assert.Equal(acknowledged, rebooted.LogEndOffset);
        Assert.Equal(acknowledged / 2, rebooted.ReadAll().Count);
    }

    [Fact]
    public void PowerLoss_WriteCachingTrue_AcknowledgedBatchesMayBeLost()
    {
        // The model's control: without fsync before the answer, a power loss takes acknowledged records.
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var log = OpenLog(directory, Config(), fs);
        for (var i = 0; i < 20; i++)
        {
            log.Append(TestBatches.Create(), 0);
        }

        fs.PowerLoss();
        log.Dispose();

        using var rebooted = OpenLog(directory, Config(), new FaultInjectingFileSystem());
        Assert.Equal(0, rebooted.LogEndOffset);
    }
}
