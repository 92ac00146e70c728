using Microsoft.Extensions.DependencyInjection;
using Platform.Storage;

namespace Platform.Broker.Tests;

/// <summary>Retention and compaction as a client sees them: through ListOffsets and through consuming.</summary>
public sealed class RetentionCompactionTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(o => o.LogRetentionCheckIntervalMs = 100);
        _connection = await RawConnection.ConnectAsync(_broker);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string Padded(string value) => value + new string('.', 600);

    /// <summary>Produces one record per batch; each batch is large enough (with segment.bytes=1024) to fill a segment of its own.</summary>
    private async Task<long> ProduceAsync(string topic, long timestamp, string key, string? value)
    {
        var result = await _connection.ProduceAsync(topic, Wire.Batch(timestamp, (key, value)));
        Assert.Equal(0, result.ErrorCode);
        return result.BaseOffset;
    }

    [Fact]
    public async Task RetentionMs_SegmentsOlderThanIt_ListOffsetsEarliestMovesPastThem()
    {
        await _connection.CreateTopicAsync("aged", ("retention.ms", "600000"), ("segment.bytes", "1024"), ("file.delete.delay.ms", "0"));
        for (var i = 0; i < 5; i++)
        {
            await ProduceAsync("aged", NowMs - 3_600_000, $"old-{i}", Padded("old"));
        }

        var firstNew = await ProduceAsync("aged", NowMs, "new-0", Padded("new"));
        await ProduceAsync("aged", NowMs, "new-1", Padded("new"));

        var moved = await Wire.EventuallyAsync(async () => await _connection.ListOffsetAsync("aged", -2) == firstNew, Deadline);

        Assert.True(moved, $"earliest offset stayed at {await _connection.ListOffsetAsync("aged", -2)}, expected {firstNew}");
        Assert.Equal(["new-0", "new-1"], (await _connection.ConsumeAllAsync("aged")).Select(r => r.Key));
        Assert.Equal(firstNew + 2, await _connection.ListOffsetAsync("aged", -1));
    }

    [Fact]
    public async Task RetentionBytes_LogLargerThanIt_OldestSegmentsGoUntilItFits()
    {
        const int retentionBytes = 2000;
        await _connection.CreateTopicAsync("sized", ("retention.bytes", $"{retentionBytes}"), ("segment.bytes", "1024"), ("file.delete.delay.ms", "0"));
        for (var i = 0; i < 10; i++)
        {
            await ProduceAsync("sized", NowMs, $"key-{i}", Padded("value"));
        }

        // Every batch has the same size and a segment of its own. As in Kafka, a segment goes only if the
        // log stays at least retention.bytes without it.
        var batchSize = Wire.Batch(NowMs, ("key-0", Padded("value"))).Length;
        var expectedStart = ((10L * batchSize) - retentionBytes) / batchSize;

        var moved = await Wire.EventuallyAsync(async () => await _connection.ListOffsetAsync("sized", -2) == expectedStart, Deadline);

        Assert.True(moved, $"earliest offset is {await _connection.ListOffsetAsync("sized", -2)}, expected {expectedStart}");
        var log = _broker.Services.GetRequiredService<LogManager>().GetLog("sized", 0)!;
        Assert.InRange(log.Size, retentionBytes, retentionBytes + batchSize - 1);
        Assert.Equal(Enumerable.Range((int)expectedStart, 10 - (int)expectedStart).Select(i => $"key-{i}"), (await _connection.ConsumeAllAsync("sized")).Select(r => r.Key));
    }

    [Fact]
    public async Task Compaction_SeveralValuesPerKeyAndTombstones_ConsumerSeesLatestPerKeyAtOriginalOffsets()
    {
        await _connection.CreateTopicAsync(
            "compacted",
            ("cleanup.policy", "compact"),
            ("segment.bytes", "1024"),
            ("min.cleanable.dirty.ratio", "0.01"),
            ("delete.retention.ms", "500"));
        var latest = new Dictionary<string, ConsumedRecord>();
        for (var round = 0; round < 4; round++)
        {
            for (var key = 0; key < 5; key++)
            {
                var value = Padded($"k{key}-r{round}");
                latest[$"k{key}"] = new(await ProduceAsync("compacted", NowMs, $"k{key}", value), $"k{key}", value);
            }
        }

        foreach (var key in new[] { "k3", "k4" })
        {
            latest[key] = new(await ProduceAsync("compacted", NowMs, key, null), key, null);
        }

        // Unique keys after the tombstones, so the tombstones sit in rolled segments the cleaner may clean.
        for (var i = 0; i < 3; i++)
        {
            latest[$"f{i}"] = new(await ProduceAsync("compacted", NowMs, $"f{i}", Padded("filler")), $"f{i}", Padded("filler"));
        }

        var logs = _broker.Services.GetRequiredService<LogManager>();
        Assert.True(logs.RunCleaner() >= 1);

        // One record per key, the latest, at the offset it was produced at; tombstones kept for delete.retention.ms.
        var expected = latest.Values.OrderBy(r => r.Offset).ToList();
        Assert.Equal(expected, await _connection.ConsumeAllAsync("compacted", 0));
        Assert.Equal(0, await _connection.ListOffsetAsync("compacted", -2));

        var tombstonesGone = await Wire.EventuallyAsync(
            async () =>
            {
                logs.RunCleaner();
                return (await _connection.ConsumeAllAsync("compacted", 0)).All(r => r.Value is not null);
            },
            Deadline);

        Assert.True(tombstonesGone, "tombstones outlived delete.retention.ms");
        Assert.Equal(expected.Where(r => r.Value is not null), await _connection.ConsumeAllAsync("compacted", 0));
    }
}
