using Platform.Connect.Config;

namespace Platform.Connect.Connectors;

/// <summary>
/// A connector: validates its configuration, then splits the work into task configurations. The runtime
/// creates one instance per configured connector and calls Start, TaskConfigs, and Stop. The plugin name is the
/// class name; <c>connector.class</c> may give it in full, as the simple name, or without the "Connector" suffix.
/// </summary>
public abstract class Connector
{
    /// <summary>The connector's version, shown by <c>GET /connector-plugins</c>.</summary>
    public virtual string Version => GetType().Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>The runtime's services for this connector; set before <see cref="Start"/>.</summary>
    public IConnectorContext Context { get; private set; } = null!;

    /// <summary>The keys this connector understands (besides the runtime's own), used for validation and JSON Schemas.</summary>
    public abstract ConfigDef Config { get; }

    /// <summary>The task type the runtime instantiates for this connector.</summary>
    public abstract Type TaskType { get; }

    /// <summary>Called by the runtime before <see cref="Start"/>.</summary>
    public void Initialize(IConnectorContext context) => Context = context;

    /// <summary>Starts with a validated configuration.</summary>
    public abstract void Start(IReadOnlyDictionary<string, string> config);

    /// <summary>At most <paramref name="maxTasks"/> task configurations.</summary>
    public abstract IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks);

    /// <summary>Stops; the tasks have been stopped first.</summary>
    public abstract void Stop();

    /// <summary>
    /// Validates a configuration: by default each key against <see cref="Config"/>. Override to add checks
    /// that span keys; add errors to the returned values rather than throwing.
    /// </summary>
    public virtual IReadOnlyList<ConfigValue> Validate(IReadOnlyDictionary<string, string> config) => Config.Validate(config);
}

/// <summary>A connector that imports data into topics.</summary>
public abstract class SourceConnector : Connector
{
    /// <summary>Whether this connector's tasks can give exactly-once delivery with <c>exactly.once.support=required</c> (KIP-618).</summary>
    public virtual ExactlyOnceSupport ExactlyOnceSupport(IReadOnlyDictionary<string, string> config) => Connectors.ExactlyOnceSupport.Unsupported;
}

/// <summary>A connector that exports data from topics.</summary>
public abstract class SinkConnector : Connector
{
}

/// <summary>What a source connector promises under exactly-once source support.</summary>
public enum ExactlyOnceSupport
{
    /// <summary>Its offsets may not describe exactly what was written.</summary>
    Unsupported,

    /// <summary>Records and offsets committed in one transaction give exactly-once.</summary>
    Supported,
}

/// <summary>The runtime's services for a connector.</summary>
public interface IConnectorContext
{
    /// <summary>Asks the runtime to call <see cref="Connector.TaskConfigs"/> again (e.g. new tables appeared).</summary>
    void RequestTaskReconfiguration();

    /// <summary>Fails the connector with <paramref name="exception"/> (shown in its status).</summary>
    void RaiseError(Exception exception);

    /// <summary>Reads committed source offsets (source connectors only; null for sinks).</summary>
    IOffsetStorageReader? OffsetStorageReader { get; }
}
