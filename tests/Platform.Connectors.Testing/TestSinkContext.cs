using System.Collections.Concurrent;
using Platform.Connect;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Testing;

/// <summary>What the worker gives a sink task, in memory: seeks, commit requests, backoffs and errant records.</summary>
public sealed class TestSinkContext(IReadOnlyDictionary<string, string> config) : ISinkTaskContext
{
    public IReadOnlyDictionary<string, string> Config { get; } = config;

    public IReadOnlyCollection<TopicPartitionRef> Assignment { get; set; } = [];

    public ConcurrentDictionary<TopicPartitionRef, long> Seeks { get; } = new();

    public ConcurrentQueue<(SinkRecord Record, Exception Error)> Errant { get; } = new();

    public TimeSpan? LastTimeout { get; private set; }

    public int CommitRequests { get; private set; }

    public void Offset(TopicPartitionRef partition, long offset) => Seeks[partition] = offset;

    public void Timeout(TimeSpan backoff) => LastTimeout = backoff;

    public void Pause(IEnumerable<TopicPartitionRef> partitions)
    {
    }

    public void Resume(IEnumerable<TopicPartitionRef> partitions)
    {
    }

    public void RequestCommit() => CommitRequests++;

    public Task ReportErrantRecordAsync(SinkRecord record, Exception error, CancellationToken cancellationToken = default)
    {
        Errant.Enqueue((record, error));
        return Task.CompletedTask;
    }
}
