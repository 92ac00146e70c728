using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

/// <summary>The cleaner's broker settings at work: the I/O throttle and several cleaner threads.</summary>
public sealed class LogCleanerSettingsTests : IDisposable
{
    private static readonly LogConfig Compacted = Config(
        ("segment.bytes", "4000"),
        ("cleanup.policy", "compact"),
        ("file.delete.delay.ms", "0"),
        ("min.cleanable.dirty.ratio", "0.01"));

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void Fill(PartitionLog log, int batches)
    {
        for (var i = 0; i < batches; i++)
        {
            log.Append(TestBatches.Create(records: 1, valueSize: 400, key: $"k{i % 4}", timestamp: 1_000 + i), 0);
        }
    }

    [Fact]
    public void Clean_IoMaxBytesPerSecond_CleaningTakesAtLeastItsBytesOverTheRate()
    {
        const double rate = 200_000;
        using var log = OpenLog(_dir.Partition(), Compacted);
        Fill(log, 400);
        var cleaner = new LogCleaner(NullLogger.Instance, ioMaxBytesPerSecond: rate);

        var stopwatch = Stopwatch.StartNew();
        var stats = cleaner.Clean(log, force: true);
        stopwatch.Stop();

        Assert.NotNull(stats);
        // Every cleaned byte is read twice (to map its keys, then to copy it); the throttle lets that through at the rate.
        var floor = TimeSpan.FromSeconds(2 * stats.BytesBefore / rate * 0.8);
        Assert.True(stopwatch.Elapsed >= floor, $"{stats.BytesBefore} bytes cleaned twice in {stopwatch.Elapsed}, expected at least {floor}");
    }

    [Fact]
    public async Task LogManager_TwoCleanerThreads_EveryCompactedLogCleaned()
    {
        var options = new LogManagerOptions { DataDirectory = _dir.Path, CleanerThreads = 2, CleanerBackoffMs = 20 };
        await using var manager = new LogManager(options, PhysicalFileSystem.Instance, NullLoggerFactory.Instance, TimeProvider.System);
        manager.Start();
        var logs = Enumerable.Range(0, 4).Select(p => manager.GetOrCreateLog("compacted", p, Compacted)).ToList();
        foreach (var log in logs)
        {
            Fill(log, 60);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (logs.Any(l => l.CleanerCheckpoint == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.All(logs, log => Assert.True(log.CleanerCheckpoint > 0, $"{log.Directory} was not cleaned"));
        Assert.All(logs, log => Assert.Equal(60, log.LogEndOffset));
    }
}
