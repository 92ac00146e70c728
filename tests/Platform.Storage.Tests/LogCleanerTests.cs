using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Protocol.RecordFormat;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

public sealed class LogCleanerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ManualTimeProvider _time = new();
    private readonly LogCleaner _cleaner = new(NullLogger.Instance);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Clean_DuplicateKeys_KeepsLatestValuePerKeyWithOriginalOffsets()
    {
        using var log = OpenCompacted();
        for (var i = 0; i < 100; i++)
        {
            Append(log, ($"k{i % 5}", $"v{i}"));
        }

        var stats = _cleaner.Clean(log, force: true);

        Assert.NotNull(stats);
        Assert.True(stats.RecordsRemoved > 0);
        Assert.Equal(100, log.LogEndOffset);
        var records = Records(log);
        var cleanedUpTo = stats.CleanedUpTo;
        var cleanSection = records.Where(r => r.Offset < cleanedUpTo).ToList();
        Assert.Equal(cleanSection.Count, cleanSection.Select(r => r.Key).Distinct().Count());
        Assert.All(records, r => Assert.Equal($"v{r.Offset}", r.Value));
        foreach (var key in Enumerable.Range(0, 5).Select(k => $"k{k}"))
        {
            Assert.Equal(records.Where(r => r.Key == key).Max(r => r.Offset), Enumerable.Range(0, 100).Where(i => $"k{i % 5}" == key).Max());
        }

        Assert.Contains(records, r => r.Offset == 99);
    }

    [Fact]
    public void Clean_AfterClean_ReadsAndRecoversCleanedSegments()
    {
        var directory = _dir.Partition();
        using (var log = OpenCompacted())
        {
            for (var i = 0; i < 60; i++)
            {
                Append(log, ($"k{i % 3}", $"v{i}"));
            }

            _cleaner.Clean(log, force: true);
        }

        File.Delete(Path.Combine(directory, "recovery-point-offset-checkpoint"));
        using var reopened = OpenCompacted();
        Assert.Equal(60, reopened.LogEndOffset);
        var records = Records(reopened);
        Assert.Equal([57L, 58L, 59L], records.Select(r => r.Offset).Where(o => o >= 57));
        Assert.True(records.Count < 60);
        Assert.Equal(60, reopened.Append(TestBatches.Create(key: "k"), 0).FirstOffset);
    }

    [Fact]
    public void Clean_Tombstone_KeptUntilDeleteRetentionThenRemoved()
    {
        using var log = OpenCompacted(("delete.retention.ms", "1000"));
        Append(log, ("a", "1"), ("b", "1"));
        Append(log, ("a", null));
        for (var i = 0; i < 20; i++)
        {
            Append(log, ("c", $"{i}"));
        }

        _cleaner.Clean(log, force: true);
        var afterFirst = Records(log);
        Assert.DoesNotContain(afterFirst, r => r.Key == "a" && r.Value == "1");
        Assert.Contains(afterFirst, r => r.Key == "a" && r.Value is null);

        _time.Advance(1001);
        Assert.NotNull(_cleaner.Clean(log));

        var afterSecond = Records(log);
        Assert.DoesNotContain(afterSecond, r => r.Key == "a");
        Assert.Contains(afterSecond, r => r.Key == "b" && r.Value == "1");
    }

    [Fact]
    public void Clean_MinCompactionLag_LeavesYoungSegments()
    {
        using var log = OpenCompacted(("min.compaction.lag.ms", "60000"));
        for (var i = 0; i < 40; i++)
        {
            Append(log, ("k", $"v{i}"));
        }

        Assert.Null(_cleaner.Clean(log, force: true));
        Assert.Equal(40, Records(log).Count);

        _time.Advance(120_000);
        Assert.NotNull(_cleaner.Clean(log, force: true));
        Assert.True(Records(log).Count < 40);
    }

    [Fact]
    public void Clean_BelowDirtyRatio_DoesNothingUnlessForced()
    {
        using var log = OpenCompacted(("min.cleanable.dirty.ratio", "0.9"));
        for (var i = 0; i < 100; i++)
        {
            Append(log, ($"k{i}", $"v{i}"));
        }

        _cleaner.Clean(log, force: true);
        for (var i = 0; i < 20; i++)
        {
            Append(log, ("k0", "late"));
        }

        var ratio = LogCleaner.DirtyRatio(log, _time.NowMs);
        Assert.InRange(ratio, 0.01, 0.9);
        Assert.Null(_cleaner.Clean(log));
        Assert.NotNull(_cleaner.Clean(log, force: true));
    }

    [Fact]
    public async Task Clean_ConcurrentAppends_AllAppendsSurvive()
    {
        using var log = OpenCompacted();
        for (var i = 0; i < 200; i++)
        {
            Append(log, ($"k{i % 10}", $"v{i}"));
        }

        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 300; i++)
            {
                Append(log, ($"new{i}", $"n{i}"));
            }
        });
        while (!writer.IsCompleted)
        {
            _cleaner.Clean(log, force: true);
        }

        await writer;
        _cleaner.Clean(log, force: true);

        Assert.Equal(500, log.LogEndOffset);
        var records = Records(log);
        Assert.Equal(300, records.Count(r => r.Key!.StartsWith("new", StringComparison.Ordinal)));
        Assert.All(Enumerable.Range(190, 10), i => Assert.Contains(records, r => r.Offset == i));
        Assert.Equal(records.OrderBy(r => r.Offset).Select(r => r.Offset), records.Select(r => r.Offset));
    }

    [Fact]
    public void Open_CrashBeforeSwapCompleted_FinishesSwap()
    {
        var fs = new FaultInjectingFileSystem
        {
            CrashOnRename = (source, _) => source.EndsWith(".log.swap", StringComparison.Ordinal),
        };
        var directory = _dir.Partition();
        var config = Config(("segment.bytes", "1000"), ("cleanup.policy", "compact"), ("file.delete.delay.ms", "60000"));
        var log = PartitionLog.Open(directory, config, fs, NullLogger.Instance, _time);
        for (var i = 0; i < 60; i++)
        {
            Append(log, ($"k{i % 3}", $"v{i}"));
        }

        log.Flush();
        Assert.Null(_cleaner.Clean(log, force: true));
        Assert.True(fs.Crashed);
        fs.CloseAll();
        Assert.NotEmpty(Directory.GetFiles(directory, "*.swap"));

        using var reopened = PartitionLog.Open(directory, config, PhysicalFileSystem.Instance, NullLogger.Instance, _time);

        Assert.Empty(Directory.GetFiles(directory, "*.swap"));
        Assert.Empty(Directory.GetFiles(directory, "*.deleted"));
        Assert.Equal(60, reopened.LogEndOffset);
        var records = Records(reopened);
        Assert.True(records.Count < 60);
        Assert.Equal(records.Select(r => r.Offset).Distinct().Count(), records.Count);
        Assert.All(records, r => Assert.Equal($"v{r.Offset}", r.Value));
    }

    [Fact]
    public void FetchOffsetByTimestamp_InsideMultiRecordBatch_ReturnsExactRecord()
    {
        using var log = OpenLog(_dir.Partition(), time: _time);
        log.Append(TestBatches.Create(records: 10, timestamp: 1000), 0);

        Assert.Equal((4L, 1004L), log.FetchOffsetByTimestamp(1004));
        Assert.Equal((9L, 1009L), log.FetchMaxTimestampOffset());
    }

    private PartitionLog OpenCompacted(params (string Key, string Value)[] extra)
    {
        var settings = new List<(string, string)> { ("segment.bytes", "1000"), ("cleanup.policy", "compact"), ("file.delete.delay.ms", "0") };
        settings.AddRange(extra);
        return OpenLog(_dir.Partition(), Config([.. settings]), time: _time);
    }

    private void Append(PartitionLog log, params (string Key, string? Value)[] records)
    {
        using var builder = new RecordBatchBuilder();
        foreach (var (key, value) in records)
        {
            builder.Append(_time.NowMs, Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value));
        }

        log.Append(builder.BuildToArray(), 0);
    }

    private static List<(long Offset, string? Key, string? Value)> Records(PartitionLog log)
    {
        var result = new List<(long, string?, string?)>();
        using var reader = new RecordBatchReader();
        foreach (var batch in log.ReadAll())
        {
            reader.Load(batch);
            foreach (var record in reader)
            {
                result.Add((record.Offset, record.IsKeyNull ? null : Encoding.UTF8.GetString(record.KeySpan), record.IsValueNull ? null : Encoding.UTF8.GetString(record.ValueSpan)));
            }
        }

        return result;
    }
}
