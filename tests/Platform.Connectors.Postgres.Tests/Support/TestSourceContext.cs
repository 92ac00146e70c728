using System.Text.Json;
using Platform.Connect;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Postgres.Tests.Support;

/// <summary>
/// Stands in for the runtime around a source task: an in-memory offset store that, like the runtime, keeps the
/// offset of the last acknowledged record per source partition, and waits between polls for the interval.
/// </summary>
public sealed class TestSourceContext(IReadOnlyDictionary<string, string> config) : ISourceTaskContext, IOffsetStorageReader
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, object?>> _offsets = [];

    public IReadOnlyDictionary<string, string> Config { get; } = config;

    public IOffsetStorageReader OffsetStorageReader => this;

    public List<(SourceRecord Record, Exception Error)> Errant { get; } = [];

    public IReadOnlyDictionary<string, object?>? Offset(IReadOnlyDictionary<string, object?> partition)
        => _offsets.GetValueOrDefault(Key(partition));

    /// <summary>What the runtime does once a record is in the broker: its offset becomes the partition's.</summary>
    public void Acknowledge(SourceRecord record) => _offsets[Key(record.SourcePartition)] = record.SourceOffset;

    public Task ReportErrantRecordAsync(SourceRecord record, Exception error, CancellationToken cancellationToken = default)
    {
        Errant.Add((record, error));
        return Task.CompletedTask;
    }

    public Task WaitForNextPollAsync(string? cronExpression, TimeSpan interval, CancellationToken cancellationToken)
        => Task.Delay(interval, cancellationToken);

    private static string Key(IReadOnlyDictionary<string, object?> partition)
        => JsonSerializer.Serialize(partition.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary());

    /// <summary>Starts <paramref name="task"/> with this context.</summary>
    public async Task<T> StartAsync<T>(T task) where T : SourceTask
    {
        task.Initialize(this);
        await task.StartAsync(Config);
        return task;
    }

    /// <summary>
    /// Polls until <paramref name="count"/> records arrived (acknowledging each, as the runtime would after the
    /// broker's ack), or fails after a generous deadline with what did arrive.
    /// </summary>
    public async Task<List<SourceRecord>> PollUntilAsync(SourceTask task, int count, TimeSpan? deadline = null)
    {
        var result = new List<SourceRecord>();
        using var cts = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(30));
        while (result.Count < count)
        {
            IReadOnlyList<SourceRecord> batch;
            try
            {
                batch = await task.PollAsync(cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"Expected {count} records, got {result.Count}: {string.Join("; ", result.Select(r => r.Value))}");
            }

            foreach (var record in batch)
            {
                result.Add(record);
                Acknowledge(record);
                await task.CommitRecordAsync(record, new RecordMetadata(record.Topic, 0, result.Count - 1, DateTimeOffset.UtcNow));
            }

            if (batch.Count > 0)
            {
                await task.CommitAsync();
            }
        }

        return result;
    }

    /// <summary>Polls <paramref name="polls"/> times and returns everything (to check nothing more arrives).</summary>
    public async Task<List<SourceRecord>> PollTimesAsync(SourceTask task, int polls)
    {
        var result = new List<SourceRecord>();
        for (var i = 0; i < polls; i++)
        {
            var batch = await task.PollAsync(CancellationToken.None);
            foreach (var record in batch)
            {
                result.Add(record);
                Acknowledge(record);
                await task.CommitRecordAsync(record, new RecordMetadata(record.Topic, 0, i, DateTimeOffset.UtcNow));
            }
        }

        return result;
    }
}
