using System.Text.Json.Nodes;
using Platform.Connect.Cluster;
using Platform.Connect.Config;
using Platform.Connect.Plugins;
using Platform.Connect.Rest;
using Platform.Connect.Storage;

namespace Platform.Connect.Runtime;

/// <summary>
/// The cluster's operations behind the REST API and the config directory, all through the shared topics so any
/// worker can serve any request: configs are validated, then written to the configs topic; pause, resume, stop and
/// restart are records there too; statuses are read from the status topic. Answers use Kafka Connect's JSON shapes.
/// </summary>
public sealed partial class ConnectHerder
{
    private readonly ConfigBackingStore _configs;
    private readonly OffsetBackingStore _offsets;
    private readonly StatusBackingStore _statuses;
    private readonly PluginRegistry _plugins;
    private readonly WorkerOptions _options;
    private readonly Func<ClusterAssignment> _assignment;
    private readonly ConnectorValidator _validator;
    private string? _kafkaClusterId;

    internal ConnectHerder(ConfigBackingStore configs, OffsetBackingStore offsets, StatusBackingStore statuses, PluginRegistry plugins,
        WorkerOptions options, Func<ClusterAssignment> assignment)
    {
        _configs = configs;
        _offsets = offsets;
        _statuses = statuses;
        _plugins = plugins;
        _options = options;
        _assignment = assignment;
        _validator = new ConnectorValidator(plugins);
    }

    /// <summary>This worker's id.</summary>
    public string WorkerId { get; internal set; } = "";

    /// <summary>The plugins.</summary>
    public PluginRegistry Plugins => _plugins;

    /// <summary>The validator of connector configs.</summary>
    public ConnectorValidator Validator => _validator;

    /// <summary>The connector names, sorted.</summary>
    public IReadOnlyList<string> ConnectorNames() => [.. _configs.Snapshot().Keys.Order(StringComparer.Ordinal)];

    /// <summary>A connector's state, or a 404.</summary>
    public ConnectorConfigState Get(string name) => _configs.Get(name) ?? throw ConnectRestException.NotFound(name);

    /// <summary>Whether the connector exists.</summary>
    public bool Exists(string name) => _configs.Get(name) is not null;

    /// <summary>Creates a connector (409 when it exists, 400 when invalid).</summary>
    public async Task<JsonObject> CreateAsync(string name, IReadOnlyDictionary<string, string> config, CancellationToken cancellationToken = default)
    {
        if (Exists(name))
        {
            throw new ConnectRestException(409, $"Connector {name} already exists");
        }

        await PutConfigAsync(name, config, null, cancellationToken).ConfigureAwait(false);
        return Info(name);
    }

    /// <summary>
    /// Creates or replaces a connector's config after validating it. <paramref name="sourceFile"/> marks connectors
    /// managed by the config directory; the REST API may not change those (409), the file is the truth.
    /// </summary>
    /// <returns>Whether it was created.</returns>
    public async Task<bool> PutConfigAsync(string name, IReadOnlyDictionary<string, string> config, string? sourceFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ConnectRestException(400, $"Connector name '{name}' is invalid: it must be non-empty and without '/'.");
        }

        if (config.TryGetValue(ConnectorConfig.Name, out var inner) && inner != name)
        {
            throw new ConnectRestException(400, $"Connector name configuration ({inner}) doesn't match connector name in the URL ({name})");
        }

        var existing = _configs.Get(name);
        if (sourceFile is null && existing?.SourceFile is { } file)
        {
            throw new ConnectRestException(409, $"Connector {name} is managed by the config file '{file}'; change or delete that file instead.");
        }

        var full = new Dictionary<string, string>(config, StringComparer.Ordinal) { [ConnectorConfig.Name] = name };
        var result = _validator.Validate(full);
        if (result.ErrorCount > 0)
        {
            var problems = result.Values.Where(v => v.Errors.Count > 0).Select(v => $"{v.Name}: {string.Join("; ", v.Errors)}");
            throw new ConnectRestException(400, $"Connector configuration is invalid and contains the following {result.ErrorCount} error(s):\n{string.Join("\n", problems)}");
        }

        await _configs.PutConnectorConfigAsync(name, full, sourceFile, cancellationToken).ConfigureAwait(false);
        return existing is null;
    }

    /// <summary>Deletes a connector with its statuses (404 when missing; 409 when file-managed and <paramref name="sourceFile"/> is null).</summary>
    public async Task DeleteAsync(string name, string? sourceFile, CancellationToken cancellationToken = default)
    {
        var existing = Get(name);
        if (sourceFile is null && existing.SourceFile is { } file)
        {
            throw new ConnectRestException(409, $"Connector {name} is managed by the config file '{file}'; delete that file instead.");
        }

        await _configs.RemoveConnectorAsync(name, cancellationToken).ConfigureAwait(false);
        await _statuses.PutConnectorAsync(name, null, cancellationToken).ConfigureAwait(false);
        foreach (var task in _statuses.Tasks(name).Keys)
        {
            await _statuses.PutTaskAsync(name, task, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sets a connector's target state (404 when missing).</summary>
    public Task SetTargetStateAsync(string name, TargetState state, CancellationToken cancellationToken = default)
    {
        Get(name);
        return _configs.PutTargetStateAsync(name, state, cancellationToken);
    }

    /// <summary>Asks for a restart (404 when the connector or task is missing).</summary>
    public Task RestartAsync(RestartRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = Get(request.Connector);
        if (request.TaskId is { } task && (task < 0 || task >= state.TaskConfigs.Count))
        {
            throw new ConnectRestException(404, $"Task {request.Connector}-{task} not found");
        }

        return _configs.RequestRestartAsync(request, cancellationToken);
    }

    /// <summary><c>GET /connectors/{name}</c>: name, config, tasks and type.</summary>
    public JsonObject Info(string name)
    {
        var state = Get(name);
        return new JsonObject
        {
            ["name"] = name,
            ["config"] = ToJson(state.Properties),
            ["tasks"] = new JsonArray([.. Enumerable.Range(0, state.TaskConfigs.Count).Select(i => (JsonNode)new JsonObject { ["connector"] = name, ["task"] = i })]),
            ["type"] = TypeOf(state),
        };
    }

    /// <summary><c>GET /connectors/{name}/status</c>.</summary>
    public JsonObject Status(string name)
    {
        var state = Get(name);
        var connector = _statuses.Connector(name);
        var assignment = _assignment();
        return new JsonObject
        {
            ["name"] = name,
            ["connector"] = StatusJson(connector, assignment.Owner(name, null)),
            ["tasks"] = new JsonArray([.. Enumerable.Range(0, state.TaskConfigs.Count).Select(i => (JsonNode)TaskStatus(name, i))]),
            ["type"] = TypeOf(state),
        };
    }

    /// <summary><c>GET /connectors/{name}/tasks/{id}/status</c>.</summary>
    public JsonObject TaskStatus(string name, int task)
    {
        var state = Get(name);
        if (task < 0 || task >= state.TaskConfigs.Count)
        {
            throw new ConnectRestException(404, $"Task {name}-{task} not found");
        }

        var json = StatusJson(_statuses.Task(name, task), _assignment().Owner(name, task));
        var result = new JsonObject { ["id"] = task };
        foreach (var (key, value) in json)
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    /// <summary><c>GET /connectors/{name}/tasks</c>.</summary>
    public JsonArray Tasks(string name)
    {
        var state = Get(name);
        return new JsonArray([.. state.TaskConfigs.Select((config, i) => (JsonNode)new JsonObject
        {
            ["id"] = new JsonObject { ["connector"] = name, ["task"] = i },
            ["config"] = ToJson(config),
        })]);
    }

    /// <summary><c>GET /</c>: the worker's version and the id of the Kafka cluster it works against (asked once).</summary>
    public async Task<JsonObject> ServerInfoAsync(CancellationToken cancellationToken)
    {
        if (_kafkaClusterId is null)
        {
            using var admin = Admin();
            _kafkaClusterId = (await admin.DescribeClusterAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).ClusterId;
        }

        return new()
        {
            ["version"] = typeof(ConnectHerder).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            ["commit"] = "platform",
            ["kafka_cluster_id"] = _kafkaClusterId,
        };
    }

    private static JsonObject StatusJson(ConnectorStatus? status, WorkerInfo? owner)
    {
        var json = new JsonObject
        {
            ["state"] = status?.State ?? "UNASSIGNED",
            ["worker_id"] = status?.WorkerId ?? owner?.WorkerId ?? "",
        };
        if (status?.Trace is { } trace)
        {
            json["trace"] = trace;
        }

        return json;
    }

    private string TypeOf(ConnectorConfigState state)
    {
        try
        {
            return PluginRegistry.PluginType(_plugins.ResolveConnector(state.Properties.GetValueOrDefault(ConnectorConfig.ConnectorClass, "")));
        }
        catch (ConfigException)
        {
            return "unknown";
        }
    }

    internal static JsonObject ToJson(IReadOnlyDictionary<string, string> map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            obj[key] = value;
        }

        return obj;
    }
}
