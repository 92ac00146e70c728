using System.Text.RegularExpressions;
using Npgsql;
using Platform.Connect.Config;

namespace Platform.Connectors.Postgres.Cdc;

/// <summary>The CDC source's keys (Debezium's PostgreSQL connector's) and their typed values.</summary>
internal sealed class PostgresCdcConfig
{
    public const string Hostname = "database.hostname";
    public const string Port = "database.port";
    public const string User = "database.user";
    public const string Password = "database.password";
    public const string DbName = "database.dbname";
    public const string SslMode = "database.sslmode";
    public const string PluginName = "plugin.name";
    public const string SlotName = "slot.name";
    public const string SlotDropOnStop = "slot.drop.on.stop";
    public const string PublicationName = "publication.name";
    public const string PublicationAutocreate = "publication.autocreate.mode";
    public const string TopicPrefix = "topic.prefix";
    public const string TableInclude = "table.include.list";
    public const string TableExclude = "table.exclude.list";
    public const string SnapshotMode = "snapshot.mode";
    public const string HeartbeatInterval = "heartbeat.interval.ms";
    public const string HeartbeatTopicsPrefix = "topic.heartbeat.prefix";
    public const string TombstonesOnDelete = "tombstones.on.delete";
    public const string MaxBatchSize = "max.batch.size";
    public const string PollInterval = "poll.interval.ms";
    public const string ConnectionAttempts = "errors.max.retries";

    public static readonly ConfigDef Definition = new ConfigDef()
        .Define(Hostname, ConfigType.String, Importance.High, "The PostgreSQL server's host.", ConfigDef.Validators.NonEmptyString())
        .Define(Port, ConfigType.Int, 5432, Importance.High, "The PostgreSQL server's port.", ConfigDef.Validators.Between(1, 65535))
        .Define(User, ConfigType.String, Importance.High, "The user; it needs the REPLICATION attribute (and ownership of the tables for a filtered publication).",
            ConfigDef.Validators.NonEmptyString())
        .Define(Password, ConfigType.Password, null, Importance.High, "The user's password.")
        .Define(DbName, ConfigType.String, Importance.High, "The database to capture.", ConfigDef.Validators.NonEmptyString())
        .Define(SslMode, ConfigType.String, "prefer", Importance.Low, "disable, allow, prefer, require, verify-ca or verify-full.",
            allowedValues: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
        .Define(PluginName, ConfigType.String, "pgoutput", Importance.Medium,
            "The logical decoding plugin; only pgoutput (built into PostgreSQL 10+) is supported.", allowedValues: ["pgoutput"])
        .Define(SlotName, ConfigType.String, "debezium", Importance.Medium,
            "The replication slot: it keeps the WAL the connector has not confirmed. One slot per connector.",
            (_, v) => v is string s && Regex.IsMatch(s, "^[a-z0-9_]{1,63}$") ? null : "must be 1-63 lower-case letters, digits or underscores")
        .Define(SlotDropOnStop, ConfigType.Boolean, false, Importance.Low, "Drop the slot when the task stops (tests and throwaway setups).")
        .Define(PublicationName, ConfigType.String, "dbz_publication", Importance.Medium, "The publication whose tables are streamed.",
            ConfigDef.Validators.NonEmptyString())
        .Define(PublicationAutocreate, ConfigType.String, "all_tables", Importance.Medium,
            "When the publication is missing: all_tables creates it FOR ALL TABLES (needs a superuser), filtered for the tables of "
            + "table.include.list/table.exclude.list, disabled fails.", allowedValues: ["all_tables", "filtered", "disabled"])
        .Define(TopicPrefix, ConfigType.String, Importance.High,
            "The logical server name: topics are <prefix>.<schema>.<table> and the source partition is keyed by it.", ConfigDef.Validators.NonEmptyString())
        .Define(TableInclude, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Regular expressions matched against schema.table: only those tables are captured (all when empty).", ValidRegexes)
        .Define(TableExclude, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Regular expressions matched against schema.table: those tables are not captured.", ValidRegexes)
        .Define(SnapshotMode, ConfigType.String, "initial", Importance.Medium,
            "initial: read the tables in the slot's snapshot when no offset is stored, then stream; initial_only: the snapshot alone; "
            + "no_data (or never): stream changes only.", allowedValues: ["initial", "initial_only", "no_data", "never"])
        .Define(HeartbeatInterval, ConfigType.Int, 0, Importance.Medium,
            "Every so many milliseconds a heartbeat goes through the WAL (pg_logical_emit_message) and out to the heartbeat topic, "
            + "so the slot advances even when the captured tables are idle; 0 disables.", ConfigDef.Validators.AtLeast(0))
        .Define(HeartbeatTopicsPrefix, ConfigType.String, "__debezium-heartbeat", Importance.Low, "Heartbeats go to <this>.<topic.prefix>.")
        .Define(TombstonesOnDelete, ConfigType.Boolean, true, Importance.Medium,
            "After each delete event, a record with the same key and a null value, so compacted topics drop the key.")
        .Define(MaxBatchSize, ConfigType.Int, 2048, Importance.Low, "The most records one poll returns.", ConfigDef.Validators.AtLeast(1))
        .Define(PollInterval, ConfigType.Int, 500, Importance.Low, "How long a poll waits for changes when there are none, in milliseconds.",
            ConfigDef.Validators.AtLeast(1))
        .Define(ConnectionAttempts, ConfigType.Int, 3, Importance.Low,
            "Consecutive failed attempts to reach the database before the task fails with the reason.", ConfigDef.Validators.AtLeast(1));

    private static string? ValidRegexes(string key, object? value)
    {
        foreach (var pattern in value as string[] ?? [])
        {
            try
            {
                _ = new Regex(pattern);
            }
            catch (ArgumentException e)
            {
                return $"'{pattern}' is not a regular expression ({e.Message})";
            }
        }

        return null;
    }

    private PostgresCdcConfig(ParsedConfig parsed)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = parsed.GetString(Hostname),
            Port = parsed.GetInt(Port),
            Username = parsed.GetString(User),
            Password = parsed.GetString(Password),
            Database = parsed.GetString(DbName),
            SslMode = Enum.Parse<Npgsql.SslMode>(parsed.GetString(SslMode)!.Replace("-", "", StringComparison.Ordinal), true),
            Timeout = 5,
            Timezone = "UTC",
        };
        ConnectionString = builder.ConnectionString;
        Database = builder.Database!;
        Slot = parsed.GetString(SlotName)!;
        DropSlotOnStop = parsed.GetBoolean(SlotDropOnStop);
        Publication = parsed.GetString(PublicationName)!;
        Autocreate = parsed.GetString(PublicationAutocreate)!.ToLowerInvariant();
        Prefix = parsed.GetString(TopicPrefix)!;
        Include = parsed.GetList(TableInclude).Select(p => new Regex("^(?:" + p + ")$", RegexOptions.CultureInvariant)).ToList();
        Exclude = parsed.GetList(TableExclude).Select(p => new Regex("^(?:" + p + ")$", RegexOptions.CultureInvariant)).ToList();
        Snapshot = parsed.GetString(SnapshotMode)!.ToLowerInvariant();
        Heartbeat = TimeSpan.FromMilliseconds(parsed.GetInt(HeartbeatInterval));
        HeartbeatTopic = parsed.GetString(HeartbeatTopicsPrefix) + "." + Prefix;
        Tombstones = parsed.GetBoolean(TombstonesOnDelete);
        BatchSize = parsed.GetInt(MaxBatchSize);
        Poll = TimeSpan.FromMilliseconds(parsed.GetInt(PollInterval));
        Attempts = parsed.GetInt(ConnectionAttempts);
    }

    public string ConnectionString { get; }

    public string Database { get; }

    public string Slot { get; }

    public bool DropSlotOnStop { get; }

    public string Publication { get; }

    public string Autocreate { get; }

    public string Prefix { get; }

    public IReadOnlyList<Regex> Include { get; }

    public IReadOnlyList<Regex> Exclude { get; }

    public string Snapshot { get; }

    public bool SnapshotsData => Snapshot is "initial" or "initial_only";

    public TimeSpan Heartbeat { get; }

    public string HeartbeatTopic { get; }

    public bool Tombstones { get; }

    public int BatchSize { get; }

    public TimeSpan Poll { get; }

    public int Attempts { get; }

    /// <summary>Whether <c>schema.table</c> is captured.</summary>
    public bool Captures(string schema, string table)
    {
        var name = schema + "." + table;
        return (Include.Count == 0 || Include.Any(r => r.IsMatch(name))) && !Exclude.Any(r => r.IsMatch(name));
    }

    /// <exception cref="ConfigException">A key is missing or invalid; names it.</exception>
    public static PostgresCdcConfig Parse(IReadOnlyDictionary<string, string> props) => new(Definition.Parse(props));
}
