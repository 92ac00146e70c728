using Microsoft.Extensions.Logging.Abstractions;

namespace Platform.Storage.Tests;

/// <summary>A disk that fails at start or at stop: one clear error, no stray files; a broken directory only takes its own partition offline.</summary>
public sealed class LogManagerFailureTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private LogManager Manager(IStorageFileSystem fs, Func<string, int, bool>? known = null)
        => new(new LogManagerOptions { DataDirectory = _dir.Path, CleanerEnable = false, IsKnownPartition = known }, fs, NullLoggerFactory.Instance, TimeProvider.System);

    [Fact]
    public async Task StopAsync_DiskFull_OneStorageExceptionAndNoTempFiles()
    {
        var disk = new FaultInjectingFileSystem();
        var manager = Manager(disk);
        manager.Start();
        manager.GetOrCreateLog("full", 0).Append(TestBatches.Create(records: 3), 0);
        manager.GetOrCreateLog("full", 1).Append(TestBatches.Create(records: 3), 0);
        disk.DiskFull = true;

        var error = await Assert.ThrowsAsync<StorageException>(() => manager.StopAsync());

        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task CheckpointAndStop_DataDirectoryDeleted_LoggedNotThrownThenOneStorageException()
    {
        var manager = Manager(PhysicalFileSystem.Instance);
        manager.Start();
        manager.GetOrCreateLog("vanished", 0).Append(TestBatches.Create(records: 3), 0);
        manager.GetLog("vanished", 0)!.Flush();
        Directory.Delete(_dir.Path, recursive: true);

        manager.CheckpointRecoveryPoints();
        var error = await Assert.ThrowsAsync<StorageException>(() => manager.StopAsync());

        Assert.Contains("vanished-0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteBehind_FailsInTheBackground_TheLogGoesOfflineWithoutWaitingForItsNextAppend()
    {
        var fs = new PhysicalFileSystem(PhysicalFileSystem.DefaultTailBytes, PhysicalFileSystem.DefaultMaxTails, writeBehindDelay: TimeSpan.FromMilliseconds(300));
        await using var manager = Manager(fs);
        manager.Start();
        var log = manager.GetOrCreateLog("broken", 0);
        log.Append(TestBatches.Create(records: 3), 0);

        using (DirectAppendTests.BreakDirectWrites(Path.Combine(_dir.Partition("broken", 0), "00000000000000000000.log")))
        {
            // The first append's write-behind may have run before the break (a loaded machine can pause longer than
            // its delay): this one's runs after it. It throws if the first one's already failed.
            try
            {
                log.Append(TestBatches.Create(records: 3), 0);
            }
            catch (StorageException) when (log.IsOffline)
            {
            }

            for (var wait = System.Diagnostics.Stopwatch.StartNew(); !log.IsOffline && wait.Elapsed < TimeSpan.FromSeconds(10);)
            {
                await Task.Delay(10);
            }

            Assert.True(log.IsOffline);
            Assert.Contains("in the background", log.OfflineCause!.Message, StringComparison.Ordinal);
            Assert.Throws<StorageException>(() => log.Read(0, 1_000));
            await Assert.ThrowsAnyAsync<Exception>(() => manager.StopAsync());
        }
    }

    [Fact]
    public async Task Start_DiskFull_OneStorageExceptionNamingTheDisk()
    {
        await using (var first = Manager(PhysicalFileSystem.Instance))
        {
            first.Start();
            first.GetOrCreateLog("start", 0).Append(TestBatches.Create(records: 3), 0);
        }

        // Without a recovery point checkpoint the start rescans the segment and writes one: the write fails.
        File.Delete(Path.Combine(_dir.Partition("start"), LogFileNames.RecoveryPointCheckpoint));
        var disk = new FaultInjectingFileSystem { DiskFull = true };
        var manager = Manager(disk);

        var error = Assert.Throws<StorageException>(manager.Start);

        Assert.Contains("Disk full", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>An open-file limit too low for the data directory took the partitions offline one by one, with a stack trace each.</summary>
    [Fact]
    public async Task Start_OutOfFileDescriptors_OneStorageExceptionNotPartitionsOffline()
    {
        await using (var first = Manager(PhysicalFileSystem.Instance))
        {
            first.Start();
            first.GetOrCreateLog("descriptors", 0).Append(TestBatches.Create(records: 3), 0);
            first.GetOrCreateLog("descriptors", 1).Append(TestBatches.Create(records: 3), 0);
        }

        // Without a recovery point checkpoint the start rescans the segment and writes one: the write fails.
        File.Delete(Path.Combine(_dir.Partition("descriptors", 0), LogFileNames.RecoveryPointCheckpoint));
        var disk = new FaultInjectingFileSystem { AppendFault = path => path.EndsWith(".tmp", StringComparison.Ordinal) ? new IOException($"Too many open files : '{path}'", 24) : null };
        var manager = Manager(disk);

        var error = Assert.Throws<StorageException>(manager.Start);

        Assert.Contains("Out of file descriptors", error.Message, StringComparison.Ordinal);
        Assert.Contains("open-file limit", error.Message, StringComparison.Ordinal);
        Assert.Empty(manager.OfflineLogs);
    }

    [Fact]
    public async Task Start_UnknownPartitionDirectory_NotOpenedAndLeftAsItIs()
    {
        await using (var first = Manager(PhysicalFileSystem.Instance))
        {
            first.Start();
            first.GetOrCreateLog("known", 0).Append(TestBatches.Create(records: 1), 0);
            first.GetOrCreateLog("orphan", 0).Append(TestBatches.Create(records: 2), 0);
        }

        var files = Directory.GetFiles(_dir.Partition("orphan")).Select(f => (f, new FileInfo(f).Length)).ToList();
        await using var manager = Manager(PhysicalFileSystem.Instance, known: (topic, _) => topic == "known");
        manager.Start();

        Assert.NotNull(manager.GetLog("known", 0));
        Assert.Null(manager.GetLog("orphan", 0));
        Assert.Equal(files, Directory.GetFiles(_dir.Partition("orphan")).Select(f => (f, new FileInfo(f).Length)).ToList());
    }

    [Fact]
    public async Task CreateLog_OrphanDirectoryThere_MovedAsideAndNewLogEmpty()
    {
        await using (var first = Manager(PhysicalFileSystem.Instance))
        {
            first.Start();
            first.GetOrCreateLog("reused", 0).Append(TestBatches.Create(records: 4), 0);
        }

        await using var manager = Manager(PhysicalFileSystem.Instance, known: (_, _) => false);
        manager.Start();

        var log = manager.CreateLog("reused", 0, LogConfig.Default);

        Assert.Equal(0, log.LogEndOffset);
        Assert.Single(Directory.GetDirectories(_dir.Path, "reused-0.*" + LogManager.OrphanDirectorySuffix));
    }
}
