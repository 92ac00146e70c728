using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Platform.Client.Admin;
using Platform.Streams.Errors;
using Platform.Streams.Processors.Internal;
using Platform.Streams.Runtime.Assignment;
using Platform.Streams.Runtime.Metrics;
using Platform.Streams.State;

namespace Platform.Streams.Runtime;

/// <summary>What one <see cref="KafkaStreams"/> instance shares with its stream threads.</summary>
internal sealed class StreamsRuntime
{
    private readonly ConcurrentDictionary<string, int> _partitionCounts = new(StringComparer.Ordinal);

    public required TopologyMetadata Topology { get; init; }

    public required StreamsConfig Config { get; init; }

    public required StateDirectory StateDirectory { get; init; }

    public required IAdminClient Admin { get; init; }

    public required StreamsMetrics Metrics { get; init; }

    public required ILoggerFactory LoggerFactory { get; init; }

    public required IReadOnlyList<SubtopologySources> Subtopologies { get; init; }

    public required IReadOnlyList<string> SourceTopics { get; init; }

    public required IProductionExceptionHandler ProductionHandler { get; init; }

    /// <summary>The <c>client.id</c> prefix of the instance's clients.</summary>
    public required string ClientId { get; init; }

    /// <summary>The instance's <c>application.server</c>, or null.</summary>
    public string? Endpoint { get; init; }

    public IStateRestoreListener? RestoreListener { get; init; }

    /// <summary>The instance's global stores (empty without global tables).</summary>
    public IReadOnlyDictionary<string, IStateStore> GlobalStores { get; set; } = new Dictionary<string, IStateStore>();

    /// <summary>The partition count of a topic, looked up once (custom partitioners and key queries need it).</summary>
    /// <exception cref="StreamsException">The topic does not exist.</exception>
    public int PartitionCount(string topic)
    {
        if (_partitionCounts.TryGetValue(topic, out var count))
        {
            return count;
        }

        var metadata = Admin.GetMetadataAsync([topic]).GetAwaiter().GetResult();
        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == Protocol.ErrorCode.None && t.Partitions.Count > 0)
            ?? throw new StreamsException($"Topic '{topic}' does not exist (needed for its partition count).");
        _partitionCounts[topic] = found.Partitions.Count;
        return found.Partitions.Count;
    }

    /// <summary>Remembers partition counts already known (from the start-up checks).</summary>
    public void KnowPartitionCounts(IReadOnlyDictionary<string, int> counts)
    {
        foreach (var (topic, count) in counts)
        {
            _partitionCounts[topic] = count;
        }
    }
}
