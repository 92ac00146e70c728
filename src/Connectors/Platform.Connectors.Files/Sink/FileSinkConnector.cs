using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Files.Sink;

/// <summary>
/// Writes records to files, exactly once, the way Spark's file sink does. Each partition's records go to a file
/// under <c>path/_temporary/</c>; when it rolls (by size or age, or when the partition is closed or the task
/// stops) the file is flushed to disk, an entry naming it and its offsets is added to <c>path/_manifest/</c>
/// (written aside, flushed, renamed in: the commit point) and only then is the file renamed into <c>path</c> as
/// <c>topic+partition+firstOffset+lastOffset.ext</c>. On start the task finishes renames of committed files,
/// deletes uncommitted temporary files, and seeks each partition past the last offset in the manifest: after a
/// crash no record is written twice and no partial file is ever visible under <c>path</c>.
/// </summary>
/// <remarks>Tombstones (null values) carry nothing to write and are skipped.</remarks>
public sealed class FileSinkConnector : SinkConnector
{
    internal const string PathKey = "path";
    internal const string FileFormat = "file.format";
    internal const string RotateSizeBytes = "rotate.size.bytes";
    internal const string RotateIntervalMs = "rotate.interval.ms";
    internal const string CsvSeparator = "csv.separator";

    internal static readonly ConfigDef Definition = new ConfigDef()
        .Define(PathKey, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "The directory committed files appear in; '_temporary' and '_manifest' are kept under it. Created if missing.",
            ConfigDef.Validators.NonEmptyString())
        .Define(FileFormat, ConfigType.String, "json", Importance.High,
            "How values are written: 'json' (JSON lines, one value per line), 'text' (strings as they are, bytes as UTF-8, others as JSON, one per line) or 'csv' (a header row from the first record's fields, then one row per record; nested values as JSON).",
            allowedValues: ["json", "text", "csv"])
        .Define(RotateSizeBytes, ConfigType.Long, 64L * 1024 * 1024, Importance.Medium,
            "A file is committed and a new one started once it holds this many bytes.", ConfigDef.Validators.AtLeast(1))
        .Define(RotateIntervalMs, ConfigType.Long, 60_000L, Importance.Medium,
            "A file is committed once it has been open this long (checked on every put and offset commit); 0 rolls by size only.",
            ConfigDef.Validators.AtLeast(0))
        .Define(CsvSeparator, ConfigType.String, ",", Importance.Low, "The field separator of csv files: one character.",
            (_, v) => v is string { Length: 1 } ? null : "must be exactly one character");

    private Dictionary<string, string> _config = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(FileSinkTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        Definition.Parse(config);
        _config = new Dictionary<string, string>(config, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
        => Enumerable.Range(0, Math.Max(1, maxTasks)).Select(_ => (IReadOnlyDictionary<string, string>)_config).ToList();

    /// <inheritdoc/>
    public override void Stop()
    {
    }
}
