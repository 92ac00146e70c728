using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Connect.Connectors;
using Platform.Connect.Converters;
using Platform.Connect.Data;

namespace Platform.Connect.Storage;

/// <summary>
/// Source offsets in the compacted offsets topic, in Kafka's layout: key <c>["connector", {source partition}]</c>,
/// value the offset map (null: the offset was reset). Read with read_committed, so offsets an exactly-once task
/// wrote in an aborted transaction never count.
/// </summary>
public sealed class OffsetBackingStore : IAsyncDisposable
{
    private readonly KafkaBasedLog _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Connector, string Partition), (IReadOnlyDictionary<string, object?> Partition, IReadOnlyDictionary<string, object?> Offset)> _offsets = [];

    /// <summary>A store over <paramref name="topic"/>.</summary>
    public OffsetBackingStore(string topic, string bootstrapServers, ILogger logger)
    {
        Topic = topic;
        _log = new KafkaBasedLog(topic, bootstrapServers, Apply, logger);
    }

    /// <summary>The offsets topic.</summary>
    public string Topic { get; }

    /// <summary>Creates the topic when missing and loads it.</summary>
    public Task StartAsync(int partitions, short replicationFactor, CancellationToken cancellationToken = default)
        => _log.StartAsync(partitions, replicationFactor, cancellationToken);

    /// <summary>Waits until every offset written before the call is visible here.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken = default) => _log.ReadToEndAsync(cancellationToken);

    /// <summary>A reader of <paramref name="connector"/>'s offsets.</summary>
    public IOffsetStorageReader ReaderFor(string connector) => new Reader(this, connector);

    /// <summary>Every stored (partition, offset) of <paramref name="connector"/>.</summary>
    public IReadOnlyList<(IReadOnlyDictionary<string, object?> Partition, IReadOnlyDictionary<string, object?> Offset)> OffsetsOf(string connector)
    {
        lock (_lock)
        {
            return [.. _offsets.Where(kv => kv.Key.Connector == connector).OrderBy(kv => kv.Key.Partition, StringComparer.Ordinal).Select(kv => kv.Value)];
        }
    }

    /// <summary>Writes offsets (null offset: reset the partition) and waits for them to be applied.</summary>
    public async Task WriteAsync(string connector, IEnumerable<(IReadOnlyDictionary<string, object?> Partition, IReadOnlyDictionary<string, object?>? Offset)> offsets, CancellationToken cancellationToken = default)
    {
        foreach (var (partition, offset) in offsets)
        {
            await _log.SendAsync(KeyBytes(connector, partition), ValueBytes(offset), cancellationToken).ConfigureAwait(false);
        }

        await _log.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record key of a source partition: <c>["connector",{...}]</c> with the partition's keys sorted.</summary>
    public static byte[] KeyBytes(string connector, IReadOnlyDictionary<string, object?> partition)
        => SchemalessJson.ToUtf8Bytes(new JsonArray(JsonValue.Create(connector), Canonical(partition)));

    /// <summary>The record value of an offset (null stays null).</summary>
    public static byte[]? ValueBytes(IReadOnlyDictionary<string, object?>? offset)
        => offset is null ? null : SchemalessJson.ToUtf8Bytes(JsonValues.ToJson(null, offset));

    private static JsonObject Canonical(IReadOnlyDictionary<string, object?> partition)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in partition.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            obj[key] = JsonValues.ToJson(null, value);
        }

        return obj;
    }

    /// <summary>The canonical text of a source partition (keys sorted), to tell partitions apart.</summary>
    public static string PartitionKey(IReadOnlyDictionary<string, object?> partition) => Canonical(partition).ToJsonString();

    private void Apply(ConsumeResult<byte[]?, byte[]?> record)
    {
        if (record.Message?.Key is not { } keyBytes)
        {
            return;
        }

        JsonArray key;
        try
        {
            key = JsonNode.Parse(keyBytes)!.AsArray();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            // Not one of ours (Kafka would log and skip it too).
            return;
        }

        if (key.Count != 2 || key[0]?.GetValueKind() != JsonValueKind.String || key[1] is not JsonObject partitionJson)
        {
            return;
        }

        var connector = key[0]!.GetValue<string>();
        var partition = (IReadOnlyDictionary<string, object?>)(IDictionary<string, object?>)JsonValues.FromJson(null, partitionJson)!;
        var id = (connector, partitionJson.ToJsonString());
        lock (_lock)
        {
            if (record.Message.Value is { } bytes && JsonValues.FromJson(null, JsonNode.Parse(bytes)) is IDictionary<string, object?> offset)
            {
                _offsets[id] = (partition, (IReadOnlyDictionary<string, object?>)offset);
            }
            else
            {
                _offsets.Remove(id);
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _log.DisposeAsync();

    private sealed class Reader(OffsetBackingStore store, string connector) : IOffsetStorageReader
    {
        public IReadOnlyDictionary<string, object?>? Offset(IReadOnlyDictionary<string, object?> partition)
        {
            lock (store._lock)
            {
                return store._offsets.TryGetValue((connector, PartitionKey(partition)), out var entry) ? entry.Offset : null;
            }
        }
    }
}
