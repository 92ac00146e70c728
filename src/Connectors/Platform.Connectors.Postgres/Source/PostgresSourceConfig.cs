using Platform.Connect.Config;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Source;

/// <summary>The PostgreSQL source's keys (those of Confluent's JDBC source) and their typed values.</summary>
internal sealed class PostgresSourceConfig
{
    public const string ConnectionUrl = "connection.url";
    public const string ConnectionUser = "connection.user";
    public const string ConnectionPassword = "connection.password";
    public const string ConnectionAttempts = "connection.attempts";
    public const string Mode = "mode";
    public const string IncrementingColumn = "incrementing.column.name";
    public const string TimestampColumn = "timestamp.column.name";
    public const string TimestampInitial = "timestamp.initial";
    public const string TimestampDelay = "timestamp.delay.interval.ms";
    public const string Query = "query";
    public const string TableWhitelist = "table.whitelist";
    public const string TableIncludeList = "table.include.list";
    public const string TableBlacklist = "table.blacklist";
    public const string TableExcludeList = "table.exclude.list";
    public const string SchemaPattern = "schema.pattern";
    public const string TopicPrefix = "topic.prefix";
    public const string PollInterval = "poll.interval.ms";
    public const string BatchMaxRows = "batch.max.rows";
    public const string ValidateNonNull = "validate.non.null";

    /// <summary>Set by the connector on each task: a JSON array of the qualified tables it reads.</summary>
    public const string TaskTables = "task.tables";

    public const string ModeBulk = "bulk";
    public const string ModeIncrementing = "incrementing";
    public const string ModeTimestamp = "timestamp";
    public const string ModeTimestampIncrementing = "timestamp+incrementing";

    public static readonly ConfigDef Definition = new ConfigDef()
        .Define(ConnectionUrl, ConfigType.String, Importance.High,
            "The database: jdbc:postgresql://host:port/database?user=..&password=.. or an Npgsql connection string.",
            ConfigDef.Validators.NonEmptyString())
        .Define(ConnectionUser, ConfigType.String, null, Importance.High, "The user, overriding the one in connection.url.")
        .Define(ConnectionPassword, ConfigType.Password, null, Importance.High, "The password, overriding the one in connection.url.")
        .Define(ConnectionAttempts, ConfigType.Int, 3, Importance.Low,
            "Consecutive failed attempts to reach the database before the task fails with the reason; the runtime backs off between them.",
            ConfigDef.Validators.AtLeast(1))
        .Define(Mode, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "How rows are detected: bulk (the whole table each poll), incrementing (a strictly increasing column finds new rows), "
            + "timestamp (a modification timestamp finds new and changed rows), timestamp+incrementing (both, the most reliable).",
            allowedValues: [ModeBulk, ModeIncrementing, ModeTimestamp, ModeTimestampIncrementing])
        .Define(IncrementingColumn, ConfigType.String, "", Importance.Medium,
            "The strictly increasing column (incrementing and timestamp+incrementing modes).")
        .Define(TimestampColumn, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "The modification timestamp column(s) (timestamp modes); several are combined with COALESCE, first non-null wins.")
        .Define(TimestampInitial, ConfigType.Long, null, Importance.Low,
            "Epoch milliseconds to start timestamp modes from when no offset is stored; -1 means now. Unset: from the beginning.")
        .Define(TimestampDelay, ConfigType.Long, 0L, Importance.High,
            "How long after a row's timestamp it is read: rows newer than now minus this delay wait for a later poll.",
            ConfigDef.Validators.AtLeast(0))
        .Define(Query, ConfigType.String, "", Importance.Medium,
            "A query to read instead of whole tables; the mode's conditions are added around it. Its topic is topic.prefix.")
        .Define(TableWhitelist, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Tables to read (name or schema.name); empty: every table. Same as table.include.list.")
        .Define(TableIncludeList, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Tables to read (name or schema.name); empty: every table. Same as table.whitelist.")
        .Define(TableBlacklist, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Tables not to read (name or schema.name). Same as table.exclude.list.")
        .Define(TableExcludeList, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Tables not to read (name or schema.name). Same as table.blacklist.")
        .Define(SchemaPattern, ConfigType.String, null, Importance.Medium,
            "Only tables of this schema (LIKE pattern) are discovered; unset: every schema but the system ones.")
        .Define(TopicPrefix, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "Prefix of the topic names: topic.prefix + table name, or topic.prefix alone for a query.")
        .Define(PollInterval, ConfigType.Int, 5000, Importance.High, "How often each table is polled for new rows, in milliseconds.",
            ConfigDef.Validators.AtLeast(1))
        .Define(BatchMaxRows, ConfigType.Int, 100, Importance.Low, "The most rows one poll of one table returns.",
            ConfigDef.Validators.AtLeast(1))
        .Define(ValidateNonNull, ConfigType.Boolean, true, Importance.Low,
            "Refuse to start when the incrementing or timestamp columns are nullable (null rows would never be read).");

    private PostgresSourceConfig(ParsedConfig parsed)
    {
        ConnectionString = PostgresConnectionString.Build(parsed.GetString(ConnectionUrl)!, parsed.GetString(ConnectionUser), parsed.GetString(ConnectionPassword));
        Attempts = parsed.GetInt(ConnectionAttempts);
        ModeName = parsed.GetString(Mode)!.ToLowerInvariant();
        Incrementing = parsed.GetString(IncrementingColumn) ?? "";
        Timestamps = parsed.GetList(TimestampColumn);
        InitialTimestampMs = parsed.Get(TimestampInitial) is null ? null : parsed.GetLong(TimestampInitial);
        Delay = TimeSpan.FromMilliseconds(parsed.GetLong(TimestampDelay));
        QueryText = parsed.GetString(Query) ?? "";
        Include = [.. parsed.GetList(TableWhitelist), .. parsed.GetList(TableIncludeList)];
        Exclude = [.. parsed.GetList(TableBlacklist), .. parsed.GetList(TableExcludeList)];
        SchemaLike = parsed.GetString(SchemaPattern);
        Prefix = parsed.GetString(TopicPrefix) ?? "";
        Interval = TimeSpan.FromMilliseconds(parsed.GetInt(PollInterval));
        MaxRows = parsed.GetInt(BatchMaxRows);
        CheckNonNull = parsed.GetBoolean(ValidateNonNull);

        if (ModeName is ModeIncrementing or ModeTimestampIncrementing && Incrementing.Length == 0)
        {
            throw new ConfigException(IncrementingColumn, null, $"is required in mode '{ModeName}'");
        }

        if (ModeName is ModeTimestamp or ModeTimestampIncrementing && Timestamps.Count == 0)
        {
            throw new ConfigException(TimestampColumn, null, $"is required in mode '{ModeName}'");
        }

        if (QueryText.Length > 0 && (Include.Count > 0 || Exclude.Count > 0))
        {
            throw new ConfigException(Query, QueryText, "cannot be combined with table.whitelist/table.include.list/table.blacklist/table.exclude.list");
        }

        if (Include.Count > 0 && Exclude.Count > 0)
        {
            throw new ConfigException(TableBlacklist, string.Join(",", Exclude), "cannot be combined with table.whitelist/table.include.list");
        }
    }

    public string ConnectionString { get; }

    public int Attempts { get; }

    public string ModeName { get; }

    public string Incrementing { get; }

    public IReadOnlyList<string> Timestamps { get; }

    public long? InitialTimestampMs { get; }

    public TimeSpan Delay { get; }

    public string QueryText { get; }

    public IReadOnlyList<string> Include { get; }

    public IReadOnlyList<string> Exclude { get; }

    public string? SchemaLike { get; }

    public string Prefix { get; }

    public TimeSpan Interval { get; }

    public int MaxRows { get; }

    public bool CheckNonNull { get; }

    public bool UsesIncrementing => ModeName is ModeIncrementing or ModeTimestampIncrementing;

    public bool UsesTimestamp => ModeName is ModeTimestamp or ModeTimestampIncrementing;

    /// <exception cref="ConfigException">A key is missing or invalid; names it.</exception>
    public static PostgresSourceConfig Parse(IReadOnlyDictionary<string, string> props) => new(Definition.Parse(props));
}
