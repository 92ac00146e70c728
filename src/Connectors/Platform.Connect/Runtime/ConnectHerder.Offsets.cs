using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Connect.Converters;
using Platform.Connect.Rest;
using Platform.Connect.Storage;

namespace Platform.Connect.Runtime;

public sealed partial class ConnectHerder
{
    /// <summary>
    /// <c>GET /connectors/{name}/offsets</c>: a source connector's stored offsets, or a sink's committed consumer
    /// offsets as <c>{"kafka_topic", "kafka_partition"}</c> → <c>{"kafka_offset"}</c>.
    /// </summary>
    public async Task<JsonObject> OffsetsAsync(string name, CancellationToken cancellationToken = default)
    {
        var state = Get(name);
        var list = new JsonArray();
        if (TypeOf(state) == "sink")
        {
            using var admin = Admin();
            var results = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(WorkerSinkTask.GroupId(name), null)], cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var p in results.SelectMany(r => r.Partitions).Where(p => p.Offset.Value >= 0).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition))
            {
                list.Add((JsonNode)new JsonObject
                {
                    ["partition"] = new JsonObject { ["kafka_topic"] = p.Topic, ["kafka_partition"] = p.Partition },
                    ["offset"] = new JsonObject { ["kafka_offset"] = p.Offset.Value },
                });
            }
        }
        else
        {
            await _offsets.RefreshAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (partition, offset) in _offsets.OffsetsOf(name))
            {
                list.Add((JsonNode)new JsonObject { ["partition"] = JsonValues.ToJson(null, partition), ["offset"] = JsonValues.ToJson(null, offset) });
            }
        }

        return new JsonObject { ["offsets"] = list };
    }

    /// <summary><c>PATCH /connectors/{name}/offsets</c>: sets (or with a null offset, removes) offsets of a STOPPED connector.</summary>
    public async Task<JsonObject> AlterOffsetsAsync(string name, JsonNode? body, CancellationToken cancellationToken = default)
    {
        var state = RequireStopped(name);
        if (body?["offsets"] is not JsonArray entries || entries.Count == 0)
        {
            throw new ConnectRestException(400, "The request body must be {\"offsets\": [{\"partition\": {...}, \"offset\": {...}}, ...]} with at least one entry.");
        }

        if (TypeOf(state) == "sink")
        {
            var alter = new List<TopicPartitionOffset>();
            var reset = new List<TopicPartition>();
            foreach (var entry in entries)
            {
                var topic = entry?["partition"]?["kafka_topic"]?.GetValue<string>();
                var partition = entry?["partition"]?["kafka_partition"]?.GetValue<int>();
                if (topic is null || partition is null)
                {
                    throw new ConnectRestException(400, "Each sink offset's partition needs \"kafka_topic\" and \"kafka_partition\".");
                }

                if (entry!["offset"] is null)
                {
                    reset.Add(new TopicPartition(topic, partition.Value));
                }
                else if (entry["offset"]?["kafka_offset"]?.GetValue<long>() is { } offset && offset >= 0)
                {
                    alter.Add(new TopicPartitionOffset(topic, partition.Value, offset));
                }
                else
                {
                    throw new ConnectRestException(400, $"The offset of {topic}-{partition} needs a non-negative \"kafka_offset\".");
                }
            }

            using var admin = Admin();
            if (alter.Count > 0)
            {
                await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(WorkerSinkTask.GroupId(name), alter)], cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            if (reset.Count > 0)
            {
                await admin.DeleteConsumerGroupOffsetsAsync(WorkerSinkTask.GroupId(name), reset, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var writes = new List<(IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>?)>();
            foreach (var entry in entries)
            {
                if (JsonValues.FromJson(null, entry?["partition"]) is not IDictionary<string, object?> partition)
                {
                    throw new ConnectRestException(400, "Each source offset needs a \"partition\" object.");
                }

                var offset = entry!["offset"] is null ? null : JsonValues.FromJson(null, entry["offset"]) as IDictionary<string, object?>
                    ?? throw new ConnectRestException(400, "A source offset must be an object or null.");
                writes.Add(((IReadOnlyDictionary<string, object?>)partition, (IReadOnlyDictionary<string, object?>?)offset));
            }

            await _offsets.WriteAsync(name, writes, cancellationToken).ConfigureAwait(false);
        }

        return new JsonObject { ["message"] = "The offsets for this connector have been altered successfully" };
    }

    /// <summary><c>DELETE /connectors/{name}/offsets</c>: forgets every offset of a STOPPED connector.</summary>
    public async Task<JsonObject> ResetOffsetsAsync(string name, CancellationToken cancellationToken = default)
    {
        var state = RequireStopped(name);
        if (TypeOf(state) == "sink")
        {
            using var admin = Admin();
            try
            {
                await admin.DeleteGroupsAsync([WorkerSinkTask.GroupId(name)], cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (DeleteGroupsException e) when (e.Error.Code == Protocol.ErrorCode.GroupIdNotFound)
            {
                // Nothing was ever committed.
            }
        }
        else
        {
            await _offsets.RefreshAsync(cancellationToken).ConfigureAwait(false);
            var partitions = _offsets.OffsetsOf(name).Select(o => (o.Partition, (IReadOnlyDictionary<string, object?>?)null)).ToList();
            await _offsets.WriteAsync(name, partitions, cancellationToken).ConfigureAwait(false);
        }

        return new JsonObject { ["message"] = "The offsets for this connector have been reset successfully" };
    }

    private ConnectorConfigState RequireStopped(string name)
    {
        var state = Get(name);
        if (state.TargetState != TargetState.Stopped)
        {
            throw new ConnectRestException(400, $"Connector {name} must be STOPPED before its offsets can be changed; stop it first with PUT /connectors/{name}/stop.");
        }

        return state;
    }

    private IAdminClient Admin() => new AdminClientBuilder(new Dictionary<string, string> { ["bootstrap.servers"] = _options.BootstrapServers }).Build();

    /// <summary>Parses a REST body's map of string values (numbers and booleans are accepted and kept as text).</summary>
    internal static Dictionary<string, string> StringMap(JsonNode? node, string what)
    {
        if (node is not JsonObject obj)
        {
            throw new ConnectRestException(400, $"{what} must be a JSON object of string values.");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            result[key] = value?.GetValueKind() switch
            {
                JsonValueKind.String => value.GetValue<string>(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
                _ => throw new ConnectRestException(400, $"{what}: the value of '{key}' must be a string, number or boolean."),
            };
        }

        return result;
    }
}
