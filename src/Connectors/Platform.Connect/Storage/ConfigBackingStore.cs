using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Connect.Data;

namespace Platform.Connect.Storage;

/// <summary>
/// Connector configurations, task configurations, target states and restart requests in the compacted configs
/// topic, shared by every worker of the cluster. Keys: <c>connector-NAME</c> (<c>{"properties": {...}, "file": ...}</c>),
/// <c>tasks-NAME</c> (<c>{"tasks": [{...}]}</c>, all task configs in one record so they change atomically),
/// <c>target-state-NAME</c> (<c>{"state": "STOPPED"}</c>) and <c>restart-NAME</c>; a tombstone deletes.
/// </summary>
public sealed class ConfigBackingStore : IAsyncDisposable
{
    private readonly KafkaBasedLog _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _connectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, string>>> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TargetState> _states = new(StringComparer.Ordinal);
    private volatile bool _loaded;

    /// <summary>A store over <paramref name="topic"/>.</summary>
    public ConfigBackingStore(string topic, string bootstrapServers, ILogger logger)
        => _log = new KafkaBasedLog(topic, bootstrapServers, Apply, logger);

    /// <summary>Raised on the reader thread when anything changed.</summary>
    public event Action? Changed;

    /// <summary>Raised on the reader thread for restart requests written after this worker started.</summary>
    public event Action<RestartRequest>? RestartRequested;

    /// <summary>Creates the topic when missing and loads it.</summary>
    public async Task StartAsync(short replicationFactor, CancellationToken cancellationToken = default)
    {
        await _log.StartAsync(1, replicationFactor, cancellationToken).ConfigureAwait(false);
        _loaded = true;
    }

    /// <summary>Waits until every write made before the call is visible here.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken = default) => _log.ReadToEndAsync(cancellationToken);

    /// <summary>Every connector's current state.</summary>
    public IReadOnlyDictionary<string, ConnectorConfigState> Snapshot()
    {
        lock (_lock)
        {
            return _connectors.ToDictionary(
                kv => kv.Key,
                kv => new ConnectorConfigState(
                    kv.Key,
                    kv.Value,
                    _files.GetValueOrDefault(kv.Key),
                    _states.GetValueOrDefault(kv.Key, TargetState.Started),
                    _tasks.GetValueOrDefault(kv.Key) ?? []),
                StringComparer.Ordinal);
        }
    }

    /// <summary>One connector, or null.</summary>
    public ConnectorConfigState? Get(string name) => Snapshot().GetValueOrDefault(name);

    /// <summary>Writes a connector's configuration (created or replaced).</summary>
    public async Task PutConnectorConfigAsync(string name, IReadOnlyDictionary<string, string> properties, string? sourceFile, CancellationToken cancellationToken = default)
    {
        var props = new JsonObject();
        foreach (var (key, value) in properties)
        {
            props[key] = value;
        }

        var json = new JsonObject { ["properties"] = props };
        if (sourceFile is not null)
        {
            json["file"] = sourceFile;
        }

        await WriteAsync($"connector-{name}", json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a connector with its task configurations and target state.</summary>
    public async Task RemoveConnectorAsync(string name, CancellationToken cancellationToken = default)
    {
        await WriteAsync($"connector-{name}", null, cancellationToken).ConfigureAwait(false);
        await WriteAsync($"tasks-{name}", null, cancellationToken).ConfigureAwait(false);
        await WriteAsync($"target-state-{name}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the task configurations a connector instance produced.</summary>
    public Task PutTaskConfigsAsync(string name, IReadOnlyList<IReadOnlyDictionary<string, string>> configs, CancellationToken cancellationToken = default)
    {
        var tasks = new JsonArray();
        foreach (var config in configs)
        {
            var obj = new JsonObject();
            foreach (var (key, value) in config)
            {
                obj[key] = value;
            }

            tasks.Add((JsonNode)obj);
        }

        return WriteAsync($"tasks-{name}", new JsonObject { ["tasks"] = tasks }, cancellationToken);
    }

    /// <summary>Sets a connector's target state.</summary>
    public Task PutTargetStateAsync(string name, TargetState state, CancellationToken cancellationToken = default)
        => WriteAsync($"target-state-{name}", new JsonObject { ["state"] = state.ToString().ToUpperInvariant() }, cancellationToken);

    /// <summary>Asks the worker running the connector or task to restart it.</summary>
    public Task RequestRestartAsync(RestartRequest request, CancellationToken cancellationToken = default)
        => WriteAsync($"restart-{request.Connector}", new JsonObject
        {
            ["task"] = request.TaskId,
            ["include_tasks"] = request.IncludeTasks,
            ["only_failed"] = request.OnlyFailed,
            ["nonce"] = Guid.NewGuid().ToString("N"),
        }, cancellationToken);

    private async Task WriteAsync(string key, JsonObject? value, CancellationToken cancellationToken)
    {
        await _log.SendAsync(Encoding.UTF8.GetBytes(key), value is null ? null : SchemalessJson.ToUtf8Bytes(value), cancellationToken).ConfigureAwait(false);
        await _log.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Apply(ConsumeResult<byte[]?, byte[]?> record)
    {
        if (record.Message?.Key is not { } keyBytes)
        {
            return;
        }

        var key = Encoding.UTF8.GetString(keyBytes);
        var value = record.Message.Value is { } bytes ? JsonNode.Parse(bytes) : null;
        RestartRequest? restart = null;
        lock (_lock)
        {
            if (key.StartsWith("connector-", StringComparison.Ordinal))
            {
                var name = key["connector-".Length..];
                if (value is null)
                {
                    _connectors.Remove(name);
                    _files.Remove(name);
                }
                else
                {
                    _connectors[name] = ToMap(value["properties"]);
                    _files[name] = value["file"]?.GetValue<string>();
                }
            }
            else if (key.StartsWith("tasks-", StringComparison.Ordinal))
            {
                var name = key["tasks-".Length..];
                if (value is null)
                {
                    _tasks.Remove(name);
                }
                else
                {
                    _tasks[name] = [.. (value["tasks"]?.AsArray() ?? []).Select(ToMap)];
                }
            }
            else if (key.StartsWith("target-state-", StringComparison.Ordinal))
            {
                var name = key["target-state-".Length..];
                if (value is null)
                {
                    _states.Remove(name);
                }
                else
                {
                    _states[name] = Enum.Parse<TargetState>(value["state"]!.GetValue<string>(), ignoreCase: true);
                }
            }
            else if (key.StartsWith("restart-", StringComparison.Ordinal) && value is not null && _loaded)
            {
                restart = new RestartRequest(
                    key["restart-".Length..],
                    value["task"]?.GetValue<int>(),
                    value["include_tasks"]?.GetValue<bool>() ?? false,
                    value["only_failed"]?.GetValue<bool>() ?? false);
            }
        }

        if (restart is not null)
        {
            RestartRequested?.Invoke(restart);
        }
        else
        {
            Changed?.Invoke();
        }
    }

    private static IReadOnlyDictionary<string, string> ToMap(JsonNode? node)
        => node is JsonObject obj
            ? obj.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValueKind() == JsonValueKind.String ? kv.Value.GetValue<string>() : kv.Value?.ToJsonString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _log.DisposeAsync();
}
