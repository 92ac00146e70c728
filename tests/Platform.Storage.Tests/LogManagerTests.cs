using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Storage.Tests;

public sealed class LogManagerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_ExistingLogs_OpenedWithTheirOffsets()
    {
        var options = new LogManagerOptions { DataDirectory = _dir.Path, CleanerEnable = false };
        await using (var manager = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System))
        {
            manager.Start();
            manager.GetOrCreateLog("orders", 0).Append(TestBatches.Create(records: 3), 0);
            manager.GetOrCreateLog("orders", 1).Append(TestBatches.Create(records: 5), 0);
            manager.GetOrCreateLog("my-topic", 2).Append(TestBatches.Create(records: 1), 0);
            await manager.StopAsync();
        }

        Directory.CreateDirectory(Path.Combine(_dir.Path, "old-0.abc-delete"));
        await using var restarted = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System);
        restarted.Start();

        Assert.Equal(3, restarted.Logs.Count);
        Assert.Equal(3, restarted.GetLog("orders", 0)!.LogEndOffset);
        Assert.Equal(5, restarted.GetLog("orders", 1)!.LogEndOffset);
        Assert.Equal(1, restarted.GetLog("my-topic", 2)!.LogEndOffset);
        Assert.Equal(3, restarted.GetLog("orders", 0)!.RecoveryPoint);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "old-0.abc-delete")));
    }

    [Fact]
    public async Task RecoveryPointCheckpoint_WrittenOnlyWhenTheRecoveryPointMoved()
    {
        var options = new LogManagerOptions { DataDirectory = _dir.Path, CleanerEnable = false };
        var checkpoint = Path.Combine(_dir.Partition("orders"), LogFileNames.RecoveryPointCheckpoint);
        await using (var manager = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System))
        {
            manager.Start();

            // A new partition's log is empty: no checkpoint is the same as one at 0, and writing it costs two syncs.
            var log = manager.CreateLog("orders", 0, options.DefaultConfig);
            Assert.False(File.Exists(checkpoint));

            log.Append(TestBatches.Create(records: 3), 0);
            await manager.StopAsync();
        }

        Assert.Equal(3, OffsetCheckpointFile.Read(PhysicalFileSystem.Instance, checkpoint));
        var written = File.GetLastWriteTimeUtc(checkpoint);
        File.SetLastWriteTimeUtc(checkpoint, written.AddHours(-1));

        // Reopened as it was closed: the checkpoint already holds the recovery point, and is left as it is.
        await using (var restarted = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System))
        {
            restarted.Start();
            Assert.Equal(3, restarted.GetLog("orders", 0)!.RecoveryPoint);
            Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(checkpoint));
        }
    }

    [Fact]
    public async Task HighWatermarkCheckpoint_WrittenAtStopAndOnTheTimer_ARestartedReplicaStartsFromIt()
    {
        var options = new LogManagerOptions { DataDirectory = _dir.Path, CleanerEnable = false, HighWatermarkCheckpointIntervalMs = 20 };
        var checkpoint = Path.Combine(_dir.Path, "replication-offset-checkpoint");
        await using (var manager = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System))
        {
            manager.Start();
            var replicated = manager.GetOrCreateLog("orders", 1);
            for (var i = 0; i < 5; i++)
            {
                replicated.Append(TestBatches.Create(records: 2), 0);
            }

            replicated.SetReplicatedHighWatermark(4);
            manager.GetOrCreateLog("orders", 0).Append(TestBatches.Create(records: 3), 0);

            // The timer writes it; the log that was never replicated has no entry.
            Assert.True(await LogTestExtensions.Eventually(() => File.Exists(checkpoint) && File.ReadAllText(checkpoint) == "0\n1\norders 1 4\n"));
            replicated.SetReplicatedHighWatermark(7);
            await manager.StopAsync();
        }

        Assert.Equal("0\n1\norders 1 7\n", await File.ReadAllTextAsync(checkpoint));
        await using var restarted = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System);
        restarted.Start();
        var log = restarted.GetLog("orders", 1)!;
        Assert.Equal(7, log.StartingHighWatermark);
        Assert.Equal(0, restarted.GetLog("orders", 0)!.StartingHighWatermark);

        // Until a role sets the replicated high watermark, rewrites keep the restored one rather than the log end.
        restarted.CheckpointHighWatermarks();
        Assert.Equal("0\n1\norders 1 7\n", await File.ReadAllTextAsync(checkpoint));
        log.TruncateTo(6);
        Assert.Equal(6, log.StartingHighWatermark);
    }

    [Fact]
    public async Task DeleteLog_Existing_RemovesDirectory()
    {
        await using var manager = new LogManager(new LogManagerOptions { DataDirectory = _dir.Path, CleanerEnable = false }, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System);
        manager.Start();
        manager.GetOrCreateLog("gone", 0).Append(TestBatches.Create(), 0);

        Assert.True(manager.DeleteLog("gone", 0));

        Assert.Null(manager.GetLog("gone", 0));
        Assert.Empty(Directory.GetDirectories(_dir.Path));
        Assert.False(manager.DeleteLog("gone", 0));
    }

    [Fact]
    public async Task Start_RetentionInterval_DeletesExpiredSegmentsInBackground()
    {
        var config = LogTestExtensions.Config(("retention.ms", "1000"), ("file.delete.delay.ms", "0"));
        await using var manager = new LogManager(
            new LogManagerOptions { DataDirectory = _dir.Path, RetentionCheckIntervalMs = 20, CleanerEnable = false },
            PhysicalFileSystem.Instance,
            NullLoggerFactory.Instance,
            TimeProvider.System);
        manager.Start();
        var log = manager.GetOrCreateLog("old", 0, config);
        log.Append(TestBatches.Create(records: 2, timestamp: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 10_000), 0);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (log.LogStartOffset != 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(2, log.LogStartOffset);
    }
}
