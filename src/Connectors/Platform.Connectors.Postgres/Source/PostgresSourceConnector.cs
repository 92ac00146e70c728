using System.Text.Json;
using Npgsql;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Source;

/// <summary>
/// Copies PostgreSQL tables (or one query) into topics by polling, with the Confluent JDBC source's keys and
/// modes (<c>bulk</c>, <c>incrementing</c>, <c>timestamp</c>, <c>timestamp+incrementing</c>); tables are split
/// across tasks. Unlike the JDBC source, rows whose transaction commits after a later row was read are not
/// skipped: each poll remembers its snapshot and the next one reads the rows committed since (see
/// <see cref="PostgresSourceTask"/>).
/// </summary>
public sealed class PostgresSourceConnector : SourceConnector
{
    private IReadOnlyDictionary<string, string> _config = new Dictionary<string, string>();
    private PostgresSourceConfig? _parsed;

    /// <inheritdoc/>
    public override ConfigDef Config => PostgresSourceConfig.Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(PostgresSourceTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        _parsed = PostgresSourceConfig.Parse(config);
        _config = config;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
    {
        var parsed = _parsed ?? throw new InvalidOperationException("The connector has not been started.");
        if (parsed.QueryText.Length > 0)
        {
            return [_config];
        }

        var tables = DiscoverTables(parsed);
        if (tables.Count == 0)
        {
            throw new ConnectException($"No table matches the configuration ({PostgresSourceConfig.TableWhitelist}/{PostgresSourceConfig.TableBlacklist}/{PostgresSourceConfig.SchemaPattern}).");
        }

        var groups = Enumerable.Range(0, Math.Min(Math.Max(maxTasks, 1), tables.Count)).Select(_ => new List<string>()).ToList();
        for (var i = 0; i < tables.Count; i++)
        {
            groups[i % groups.Count].Add(tables[i]);
        }

        return groups.Select(g => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(_config)
        {
            [PostgresSourceConfig.TaskTables] = JsonSerializer.Serialize(g, PostgresJson.Default.ListString),
        }).ToList();
    }

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
            PostgresSourceConfig.Parse(config);
            return values;
        }
        catch (ConfigException e)
        {
            return values.Select(v => v.Name == e.Key ? v with { Errors = [e.Message] } : v).ToList();
        }
    }

    /// <summary>The tables to read as <c>schema.table</c>, sorted, after the include and exclude lists.</summary>
    private static List<string> DiscoverTables(PostgresSourceConfig config)
    {
        using var db = NpgsqlDataSource.Create(config.ConnectionString);
        using var conn = db.OpenConnection();
        using var cmd = new NpgsqlCommand(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type IN ('BASE TABLE', 'VIEW') "
            + "AND table_schema NOT IN ('pg_catalog', 'information_schema') AND (@pattern::text IS NULL OR table_schema LIKE @pattern) "
            + "ORDER BY table_schema, table_name", conn);
        cmd.Parameters.AddWithValue("pattern", (object?)config.SchemaLike ?? DBNull.Value);
        var result = new List<string>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var schema = reader.GetString(0);
            var table = reader.GetString(1);
            if (config.Include.Count > 0 && !Matches(config.Include, schema, table))
            {
                continue;
            }

            if (Matches(config.Exclude, schema, table))
            {
                continue;
            }

            result.Add(schema + "." + table);
        }

        return result;
    }

    private static bool Matches(IReadOnlyList<string> names, string schema, string table)
        => names.Any(n => n == table || n == schema + "." + table);
}
