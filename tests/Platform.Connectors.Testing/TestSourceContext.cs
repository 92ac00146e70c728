using System.Collections.Concurrent;
using System.Text.Json;
using Platform.Connect;
using Platform.Connect.Connectors;
using Platform.Connect.Data;

namespace Platform.Connectors.Testing;

/// <summary>
/// What the worker gives a source task, in memory: committed offsets (kept across task instances to model a
/// restart), errant records, and a poll schedule by interval.
/// </summary>
public sealed class TestSourceContext(IReadOnlyDictionary<string, string> config, TestOffsetStore? offsets = null) : ISourceTaskContext
{
    public IReadOnlyDictionary<string, string> Config { get; } = config;

    public TestOffsetStore Offsets { get; } = offsets ?? new TestOffsetStore();

    public IOffsetStorageReader OffsetStorageReader => Offsets;

    public ConcurrentQueue<(SourceRecord Record, Exception Error)> Errant { get; } = new();

    public Task ReportErrantRecordAsync(SourceRecord record, Exception error, CancellationToken cancellationToken = default)
    {
        Errant.Enqueue((record, error));
        return Task.CompletedTask;
    }

    /// <summary>The cron expression of the last wait; the worker's Quartz schedule is not part of these tests.</summary>
    public string? LastCron { get; private set; }

    public int Waits => _waits;

    private int _waits;

    public Task WaitForNextPollAsync(string? cronExpression, TimeSpan interval, CancellationToken cancellationToken)
    {
        LastCron = cronExpression;
        Interlocked.Increment(ref _waits);
        return Task.Delay(cronExpression is null ? interval : TimeSpan.FromMilliseconds(50), cancellationToken);
    }
}

/// <summary>Committed source offsets by source partition, as the worker's offset store keeps them.</summary>
public sealed class TestOffsetStore : IOffsetStorageReader
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, object?>> _offsets = new();

    public IReadOnlyDictionary<string, object?>? Offset(IReadOnlyDictionary<string, object?> partition)
        => _offsets.TryGetValue(Key(partition), out var offset) ? offset : null;

    /// <summary>Stores the record's offset the way the worker does once the broker acknowledged it.</summary>
    public void Commit(SourceRecord record)
    {
        // Round-trip through JSON like the offsets topic, so tasks see longs and strings, not the objects they put in.
        var json = SchemalessJson.ToUtf8Bytes(record.SourceOffset);
        _offsets[Key(record.SourcePartition)] = (IReadOnlyDictionary<string, object?>)SchemalessJson.Parse(json)!;
    }

    private static string Key(IReadOnlyDictionary<string, object?> partition)
        => JsonSerializer.Serialize(partition.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
