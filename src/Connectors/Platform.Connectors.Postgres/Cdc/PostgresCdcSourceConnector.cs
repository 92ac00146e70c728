using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Postgres.Cdc;

/// <summary>
/// Captures row changes of PostgreSQL tables through logical replication (pgoutput) as Debezium change events,
/// with Debezium's keys, topics (<c>&lt;topic.prefix&gt;.&lt;schema&gt;.&lt;table&gt;</c>) and envelope. One task:
/// a replication slot is a single ordered stream.
/// </summary>
public sealed class PostgresCdcSourceConnector : SourceConnector
{
    private IReadOnlyDictionary<string, string> _config = new Dictionary<string, string>();

    /// <inheritdoc/>
    public override ConfigDef Config => PostgresCdcConfig.Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(PostgresCdcSourceTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        PostgresCdcConfig.Parse(config);
        _config = config;
    }

    /// <summary>
    /// Supported: every event's offset is its exact place in the stream (commit LSN and number within the
    /// transaction) and a restarted task skips events up to the stored one, so with records and offsets committed in
    /// one transaction each change event is written once, across kills. An initial snapshot interrupted before it
    /// completed is taken again from the start (as Debezium does), so its read events can then repeat.
    /// </summary>
    public override ExactlyOnceSupport ExactlyOnceSupport(IReadOnlyDictionary<string, string> config) => Connect.Connectors.ExactlyOnceSupport.Supported;

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks) => [_config];

    /// <inheritdoc/>
    public override void Stop()
    {
    }
}
