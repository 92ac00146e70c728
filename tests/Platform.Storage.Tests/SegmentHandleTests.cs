using Microsoft.Extensions.Logging.Abstractions;
using Platform.Protocol.RecordFormat;

namespace Platform.Storage.Tests;

/// <summary>
/// Open files stay bounded however many segments there are: indexes of old segments load lazily and do not
/// keep their files open, and at most max.open.segment.files segment files are open while idle.
/// </summary>
public sealed class SegmentHandleTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>This process's open descriptors on files in <paramref name="directory"/> whose names end with <paramref name="extension"/>.</summary>
    private static int OpenDescriptors(string directory, string extension)
    {
        var count = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith(directory, StringComparison.Ordinal) && target.EndsWith(extension, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The descriptor closed while we looked.
            }
        }

        return count;
    }

    private static LogConfig SmallSegments => LogTestExtensions.Config(("segment.bytes", "1000"), ("index.interval.bytes", "100"));

    private static void Fill(PartitionLog log, int batches)
    {
        for (var i = 0; i < batches; i++)
        {
            log.Append(TestBatches.Create(records: 1, valueSize: 200, timestamp: 1_000 + i), 0);
        }
    }

    [Fact]
    public void Open_ManyCleanSegments_IndexFilesNeitherReadNorHeldOpen()
    {
        var directory = _dir.Partition();
        using (var log = LogTestExtensions.OpenLog(directory, SmallSegments))
        {
            Fill(log, 80);
            Assert.True(log.SegmentCount >= 20);
        }

        using var reopened = LogTestExtensions.OpenLog(directory, SmallSegments);

        Assert.True(OpenDescriptors(directory, ".index") <= 1, $"{OpenDescriptors(directory, ".index")} offset index files open");
        Assert.True(OpenDescriptors(directory, ".timeindex") <= 1, $"{OpenDescriptors(directory, ".timeindex")} time index files open");
        for (long offset = 0; offset < 80; offset += 7)
        {
            var batch = TestBatches.Split(reopened.Read(offset, 1).Records.ReadBytes()).First();
            Assert.Equal(offset, RecordBatchHeader.BaseOffset(batch));
        }

        Assert.True(OpenDescriptors(directory, ".index") <= 1);
        Assert.Equal(1_010, reopened.FetchOffsetByTimestamp(1_010)!.Value.Timestamp);
    }

    [Fact]
    public async Task LogManager_MoreSegmentsThanMaxOpen_IdleSegmentFilesClosedAndReopenedOnRead()
    {
        var options = new LogManagerOptions { DataDirectory = _dir.Path, CleanerEnable = false, MaxOpenSegmentFiles = 4 };
        await using var manager = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System);
        manager.Start();
        var log = manager.GetOrCreateLog("many", 0, SmallSegments);
        Fill(log, 80);

        var directory = _dir.Partition("many");
        Assert.True(log.SegmentCount >= 20);
        // Plus one: the active segment's O_DIRECT descriptor for appends.
        Assert.True(OpenDescriptors(directory, ".log") <= 4 + 1, $"{OpenDescriptors(directory, ".log")} segment files open");
        for (long offset = 0; offset < 80; offset++)
        {
            var batch = TestBatches.Split(log.Read(offset, 1).Records.ReadBytes()).First();
            Assert.Equal(offset, RecordBatchHeader.BaseOffset(batch));
        }

        Assert.True(OpenDescriptors(directory, ".log") <= 4 + 1);
        Assert.Equal(4, ((SegmentHandleCache)manager.FileSystem).MaxOpen);
    }

    [Fact]
    public async Task LogManager_SegmentRetiredWhileEvicted_SliceHandedOutStaysReadable()
    {
        var config = LogTestExtensions.Config(("segment.bytes", "1000"), ("retention.bytes", "1000"), ("file.delete.delay.ms", "60000"));
        var options = new LogManagerOptions { DataDirectory = _dir.Path, CleanerEnable = false, MaxOpenSegmentFiles = 2 };
        await using var manager = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System);
        manager.Start();
        var log = manager.GetOrCreateLog("retired", 0, config);
        Fill(log, 40);
        var slice = log.Read(0, 1).Records;

        Assert.True(manager.RunRetention() > 0);

        Assert.True(log.LogStartOffset > 0);
        Assert.Equal(0, RecordBatchHeader.BaseOffset(TestBatches.Split(slice.ReadBytes()).First()));
    }
}
