using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// Writes topics into PostgreSQL tables with the Confluent JDBC sink's keys: inserts by binary COPY, upserts by
/// <c>INSERT ... ON CONFLICT</c>, updates, deletes on tombstones, tables created and evolved from record schemas.
/// Exactly-once: the consumed offsets are written in the same transaction as the rows (see <see cref="PostgresSinkTask"/>).
/// </summary>
public sealed class PostgresSinkConnector : SinkConnector
{
    private IReadOnlyDictionary<string, string> _config = new Dictionary<string, string>();

    /// <inheritdoc/>
    public override ConfigDef Config => PostgresSinkConfig.Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(PostgresSinkTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        PostgresSinkConfig.Parse(config);
        _config = config;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
        => Enumerable.Range(0, Math.Max(maxTasks, 1)).Select(_ => _config).ToList();

    /// <inheritdoc/>
    public override void Stop()
    {
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ConfigValue> Validate(IReadOnlyDictionary<string, string> config)
    {
        var values = Config.Validate(config);
        if (values.Any(v => v.Errors.Count > 0))
        {
            return values;
        }

        try
        {
            PostgresSinkConfig.Parse(config);
            return values;
        }
        catch (ConfigException e)
        {
            return values.Select(v => v.Name == e.Key ? v with { Errors = [e.Message] } : v).ToList();
        }
    }
}
