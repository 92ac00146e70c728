using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Connect.Data;

namespace Platform.Connect.Storage;

/// <summary>
/// Connector and task states in the compacted status topic, as Kafka lays them out: <c>status-connector-NAME</c> and
/// <c>status-task-NAME-ID</c> → <c>{"state": "RUNNING", "trace": null, "worker_id": "...", "generation": 3}</c>. Every
/// worker writes what it runs and reads everything, so any worker answers <c>GET /connectors/NAME/status</c>.
/// </summary>
public sealed class StatusBackingStore : IAsyncDisposable
{
    private readonly KafkaBasedLog _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ConnectorStatus> _connectors = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Connector, int Task), ConnectorStatus> _tasks = [];

    /// <summary>A store over <paramref name="topic"/>.</summary>
    public StatusBackingStore(string topic, string bootstrapServers, ILogger logger)
        => _log = new KafkaBasedLog(topic, bootstrapServers, Apply, logger);

    /// <summary>Creates the topic when missing and loads it.</summary>
    public Task StartAsync(int partitions, short replicationFactor, CancellationToken cancellationToken = default)
        => _log.StartAsync(partitions, replicationFactor, cancellationToken);

    /// <summary>Waits until every status written before the call is visible here.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken = default) => _log.ReadToEndAsync(cancellationToken);

    /// <summary>A connector's last reported status, or null.</summary>
    public ConnectorStatus? Connector(string name)
    {
        lock (_lock)
        {
            return _connectors.GetValueOrDefault(name);
        }
    }

    /// <summary>A task's last reported status, or null.</summary>
    public ConnectorStatus? Task(string name, int task)
    {
        lock (_lock)
        {
            return _tasks.GetValueOrDefault((name, task));
        }
    }

    /// <summary>Every task status of a connector, by task id.</summary>
    public IReadOnlyDictionary<int, ConnectorStatus> Tasks(string name)
    {
        lock (_lock)
        {
            return _tasks.Where(kv => kv.Key.Connector == name).ToDictionary(kv => kv.Key.Task, kv => kv.Value);
        }
    }

    /// <summary>Writes a connector's status (null: remove it).</summary>
    public Task PutConnectorAsync(string name, ConnectorStatus? status, CancellationToken cancellationToken = default)
        => _log.SendAsync(Encoding.UTF8.GetBytes($"status-connector-{name}"), Serialize(status), cancellationToken);

    /// <summary>Writes a task's status (null: remove it).</summary>
    public Task PutTaskAsync(string name, int task, ConnectorStatus? status, CancellationToken cancellationToken = default)
        => _log.SendAsync(Encoding.UTF8.GetBytes($"status-task-{name}-{task.ToString(CultureInfo.InvariantCulture)}"), Serialize(status), cancellationToken);

    private static byte[]? Serialize(ConnectorStatus? status) => status is null ? null : SchemalessJson.ToUtf8Bytes(new JsonObject
    {
        ["state"] = status.State,
        ["trace"] = status.Trace,
        ["worker_id"] = status.WorkerId,
        ["generation"] = status.Generation,
    });

    private void Apply(ConsumeResult<byte[]?, byte[]?> record)
    {
        if (record.Message?.Key is not { } keyBytes)
        {
            return;
        }

        var key = Encoding.UTF8.GetString(keyBytes);
        ConnectorStatus? status = null;
        if (record.Message.Value is { } bytes && JsonNode.Parse(bytes) is JsonObject json)
        {
            status = new ConnectorStatus(
                json["state"]?.GetValue<string>() ?? "UNASSIGNED",
                json["worker_id"]?.GetValue<string>() ?? "",
                json["trace"]?.GetValue<string>(),
                json["generation"]?.GetValue<int>() ?? -1);
        }

        lock (_lock)
        {
            if (key.StartsWith("status-connector-", StringComparison.Ordinal))
            {
                Set(_connectors, key["status-connector-".Length..], status);
            }
            else if (key.StartsWith("status-task-", StringComparison.Ordinal))
            {
                var rest = key["status-task-".Length..];
                var dash = rest.LastIndexOf('-');
                if (dash > 0 && int.TryParse(rest[(dash + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                {
                    Set(_tasks, (rest[..dash], id), status);
                }
            }
        }
    }

    private static void Set<TKey>(Dictionary<TKey, ConnectorStatus> map, TKey key, ConnectorStatus? status)
        where TKey : notnull
    {
        if (status is null)
        {
            map.Remove(key);
        }
        else
        {
            map[key] = status;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _log.DisposeAsync();
}
