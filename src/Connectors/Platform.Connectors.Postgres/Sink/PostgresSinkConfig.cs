using Platform.Connect.Config;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>The PostgreSQL sink's keys (those of Confluent's JDBC sink) and their typed values.</summary>
internal sealed class PostgresSinkConfig
{
    public const string ConnectionUrl = "connection.url";
    public const string ConnectionUser = "connection.user";
    public const string ConnectionPassword = "connection.password";
    public const string Topics = "topics";
    public const string TopicsRegex = "topics.regex";
    public const string InsertMode = "insert.mode";
    public const string PkMode = "pk.mode";
    public const string PkFields = "pk.fields";
    public const string FieldsWhitelist = "fields.whitelist";
    public const string DeleteEnabled = "delete.enabled";
    public const string AutoCreate = "auto.create";
    public const string AutoEvolve = "auto.evolve";
    public const string TableNameFormat = "table.name.format";
    public const string BatchSize = "batch.size";
    public const string MaxRetries = "max.retries";
    public const string RetryBackoff = "retry.backoff.ms";
    public const string OffsetsTable = "offsets.table.name";

    public static readonly ConfigDef Definition = new ConfigDef()
        .Define(ConnectionUrl, ConfigType.String, Importance.High,
            "The database: jdbc:postgresql://host:port/database?user=..&password=.. or an Npgsql connection string.",
            ConfigDef.Validators.NonEmptyString())
        .Define(ConnectionUser, ConfigType.String, null, Importance.High, "The user, overriding the one in connection.url.")
        .Define(ConnectionPassword, ConfigType.Password, null, Importance.High, "The password, overriding the one in connection.url.")
        .Define(Topics, ConfigType.List, Array.Empty<string>(), Importance.High, "The topics to consume (or topics.regex).")
        .Define(TopicsRegex, ConfigType.String, "", Importance.High, "A regular expression of the topics to consume (or topics).")
        .Define(InsertMode, ConfigType.String, "insert", Importance.High,
            "insert: new rows by binary COPY; upsert: INSERT ... ON CONFLICT (primary key) DO UPDATE; update: UPDATE existing rows only.",
            allowedValues: ["insert", "upsert", "update"])
        .Define(PkMode, ConfigType.String, "none", Importance.High,
            "Where the primary key comes from: none, record_key (the record's key), record_value (fields of the value), "
            + "kafka (__connect_topic, __connect_partition, __connect_offset).",
            allowedValues: ["none", "record_key", "record_value", "kafka"])
        .Define(PkFields, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "The primary key columns: for record_key, the key struct's fields (all when empty) or the one column name of a primitive key; "
            + "for record_value, value fields (all when empty); for kafka, three names replacing the __connect_* defaults.")
        .Define(FieldsWhitelist, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Value fields to write (all when empty); primary key fields are always written.")
        .Define(DeleteEnabled, ConfigType.Boolean, false, Importance.Medium,
            "Tombstones (null values) delete the row with the record key's primary key; needs pk.mode=record_key.")
        .Define(AutoCreate, ConfigType.Boolean, false, Importance.Medium,
            "Create a missing table from the record's schema (or, schemaless, its values), with the primary key of pk.mode.")
        .Define(AutoEvolve, ConfigType.Boolean, false, Importance.Medium,
            "Add columns for new fields (as nullable columns); without it a record with unknown fields is reported as errant.")
        .Define(TableNameFormat, ConfigType.String, "${topic}", Importance.Medium,
            "The table of a record: ${topic} is replaced by the topic name; schema.table names a schema.",
            ConfigDef.Validators.NonEmptyString())
        .Define(BatchSize, ConfigType.Int, 3000, Importance.Medium, "The most rows one statement writes.", ConfigDef.Validators.AtLeast(1))
        .Define(MaxRetries, ConfigType.Int, 10, Importance.Medium,
            "How often a batch is retried after a database outage before the task fails with the reason.", ConfigDef.Validators.AtLeast(0))
        .Define(RetryBackoff, ConfigType.Int, 3000, Importance.Medium, "The wait before a retry, in milliseconds.", ConfigDef.Validators.AtLeast(0))
        .Define(OffsetsTable, ConfigType.String, "__connect_offsets", Importance.Low,
            "The table holding the consumed offsets, written in the same transaction as the rows (exactly-once); the task seeks to them on start.",
            ConfigDef.Validators.NonEmptyString());

    private PostgresSinkConfig(ParsedConfig parsed, string connectorName)
    {
        ConnectionString = PostgresConnectionString.Build(parsed.GetString(ConnectionUrl)!, parsed.GetString(ConnectionUser), parsed.GetString(ConnectionPassword));
        Mode = parsed.GetString(InsertMode)!.ToLowerInvariant();
        Pk = parsed.GetString(PkMode)!.ToLowerInvariant();
        PkNames = parsed.GetList(PkFields);
        Whitelist = parsed.GetList(FieldsWhitelist);
        Deletes = parsed.GetBoolean(DeleteEnabled);
        Create = parsed.GetBoolean(AutoCreate);
        Evolve = parsed.GetBoolean(AutoEvolve);
        TableFormat = parsed.GetString(TableNameFormat)!;
        Batch = parsed.GetInt(BatchSize);
        Retries = parsed.GetInt(MaxRetries);
        Backoff = TimeSpan.FromMilliseconds(parsed.GetInt(RetryBackoff));
        OffsetsTableName = parsed.GetString(OffsetsTable)!;
        ConnectorName = connectorName;

        var topics = parsed.GetList(Topics);
        var regex = parsed.GetString(TopicsRegex) ?? "";
        if (topics.Count > 0 && regex.Length > 0)
        {
            throw new ConfigException(TopicsRegex, regex, "cannot be combined with topics; give one of them");
        }

        if (regex.Length > 0)
        {
            try
            {
                _ = new System.Text.RegularExpressions.Regex(regex);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException(TopicsRegex, regex, $"is not a regular expression ({e.Message})");
            }
        }

        if (Deletes && Pk != "record_key")
        {
            throw new ConfigException(DeleteEnabled, "true", $"needs pk.mode=record_key (the tombstone's key names the row), not '{Pk}'");
        }

        if (Mode is "upsert" or "update" && Pk == "none")
        {
            throw new ConfigException(PkMode, Pk, $"insert.mode={Mode} needs a primary key: set pk.mode to record_key, record_value or kafka");
        }

        if (Pk == "kafka" && PkNames.Count is not (0 or 3))
        {
            throw new ConfigException(PkFields, string.Join(",", PkNames), "pk.mode=kafka takes three names (topic, partition, offset columns) or none");
        }

        if (!TableFormat.Contains("${topic}", StringComparison.Ordinal) && TableFormat.Contains("${", StringComparison.Ordinal))
        {
            throw new ConfigException(TableNameFormat, TableFormat, "the only placeholder is ${topic}");
        }
    }

    public string ConnectionString { get; }

    public string Mode { get; }

    public string Pk { get; }

    public IReadOnlyList<string> PkNames { get; }

    public IReadOnlyList<string> Whitelist { get; }

    public bool Deletes { get; }

    public bool Create { get; }

    public bool Evolve { get; }

    public string TableFormat { get; }

    public int Batch { get; }

    public int Retries { get; }

    public TimeSpan Backoff { get; }

    public string OffsetsTableName { get; }

    /// <summary>The connector's name (the runtime's <c>name</c> key): the offsets table's key.</summary>
    public string ConnectorName { get; }

    /// <exception cref="ConfigException">A key is missing or invalid; names it.</exception>
    public static PostgresSinkConfig Parse(IReadOnlyDictionary<string, string> props)
        => new(Definition.Parse(props), props.TryGetValue("name", out var name) && name.Length > 0 ? name : "postgres-sink");

    /// <summary>The table of records from <paramref name="topic"/>.</summary>
    public (string Schema, string Table) TableFor(string topic) => PgIdentifier.Split(TableFormat.Replace("${topic}", topic, StringComparison.Ordinal));
}
