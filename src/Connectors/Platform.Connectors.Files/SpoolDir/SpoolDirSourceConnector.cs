using System.Text.RegularExpressions;
using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Files.SpoolDir;

/// <summary>
/// Flume's spooling directory source: each complete file dropped into <c>input.path</c> is read once, line by
/// line (raw lines, JSON lines or CSV with a header row), then moved to <c>finished.path</c>, deleted, or left
/// (<c>cleanup.policy</c>) once every one of its records is in the broker. A file that cannot be parsed moves to
/// <c>error.path</c> whole, with a <c>.error</c> file next to it saying why, and is reported as an errant record.
/// </summary>
/// <remarks>
/// A file counts as complete when its name matches <c>input.file.pattern</c> and does not start with a dot,
/// it was last modified at least <c>file.minimum.age.ms</c> ago, and (on Linux) no process has it open for
/// writing. The safest way to deliver a file is still to write it elsewhere (or under a dot name) on the same
/// file system and rename it in: a rename is atomic. Source partition: the file name; offset: byte position
/// and line number, with the file's inode, modification time and fingerprint so a later file of the same name
/// starts over. Several tasks split the files by a hash of their names.
/// </remarks>
public sealed class SpoolDirSourceConnector : SourceConnector
{
    internal const string InputPath = "input.path";
    internal const string InputFilePattern = "input.file.pattern";
    internal const string FinishedPath = "finished.path";
    internal const string ErrorPath = "error.path";
    internal const string CleanupPolicy = "cleanup.policy";
    internal const string InputFormat = "input.format";
    internal const string CsvSeparator = "csv.separator";
    internal const string Topic = "topic";
    internal const string BatchSize = "batch.size";
    internal const string PollIntervalMs = "poll.interval.ms";
    internal const string FileMinimumAgeMs = "file.minimum.age.ms";
    internal const string TaskIndex = "task.index";
    internal const string TaskCount = "task.count";

    internal static readonly ConfigDef Definition = new ConfigDef()
        .Define(InputPath, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "The directory files are dropped into. Only files directly in it are read, not subdirectories.", ConfigDef.Validators.NonEmptyString())
        .Define(InputFilePattern, ConfigType.String, ".*", Importance.High,
            "A regular expression the whole file name must match (for example '.*\\.csv'). Names starting with a dot are always skipped, so writers can use them for files in progress.",
            ValidRegex)
        .Define(FinishedPath, ConfigType.String, null, Importance.High,
            "Where finished files are moved when cleanup.policy is move (required then). Created if missing.")
        .Define(ErrorPath, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "Where a file that cannot be parsed is moved, whole, with a '<name>.error' file explaining why. Created if missing.",
            ConfigDef.Validators.NonEmptyString())
        .Define(CleanupPolicy, ConfigType.String, "move", Importance.Medium,
            "What happens to a file once all its records are acknowledged by the broker: 'move' to finished.path, 'delete' it, or 'none' (leave it; it is not read again while the task runs, and a restart resumes from its stored offset).",
            allowedValues: ["delete", "move", "none"])
        .Define(InputFormat, ConfigType.String, "line", Importance.High,
            "How files are read: 'line' (one string record per line), 'json' (JSON lines: one JSON value per line, objects become maps) or 'csv' (the first row names the columns; one struct per row with an optional string field per column).",
            allowedValues: ["line", "csv", "json"])
        .Define(CsvSeparator, ConfigType.String, ",", Importance.Low,
            "The field separator of csv files: one character.", (_, v) => v is string { Length: 1 } ? null : "must be exactly one character")
        .Define(Topic, ConfigType.String, ConfigDef.NoDefault, Importance.High, "The topic records are written to.", ConfigDef.Validators.NonEmptyString())
        .Define(BatchSize, ConfigType.Int, 1000, Importance.Low, "The most records returned by one poll.", ConfigDef.Validators.AtLeast(1))
        .Define(PollIntervalMs, ConfigType.Long, 1000L, Importance.Low, "How long to wait before looking again when no complete file is waiting.", ConfigDef.Validators.AtLeast(1))
        .Define(FileMinimumAgeMs, ConfigType.Long, 1000L, Importance.Medium,
            "How long a file must have gone unmodified before it is taken, so a writer that pauses is not caught mid-file.",
            ConfigDef.Validators.AtLeast(0));

    private Dictionary<string, string> _config = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(SpoolDirSourceTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        SpoolDirSettings.Parse(config);
        _config = new Dictionary<string, string>(config, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks)
    {
        var count = Math.Max(1, maxTasks);
        var configs = new List<IReadOnlyDictionary<string, string>>(count);
        for (var i = 0; i < count; i++)
        {
            configs.Add(new Dictionary<string, string>(_config, StringComparer.Ordinal)
            {
                [TaskIndex] = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [TaskCount] = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        return configs;
    }

    /// <inheritdoc/>
    public override void Stop()
    {
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ConfigValue> Validate(IReadOnlyDictionary<string, string> config)
    {
        var values = base.Validate(config).ToList();
        var policy = config.GetValueOrDefault(CleanupPolicy, "move");
        if (policy.Equals("move", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(config.GetValueOrDefault(FinishedPath)))
        {
            var index = values.FindIndex(v => v.Name == FinishedPath);
            values[index] = values[index] with { Errors = [.. values[index].Errors, SpoolDirSettings.FinishedPathRequired] };
        }

        return values;
    }

    private static string? ValidRegex(string key, object? value)
    {
        try
        {
            _ = new Regex((string)value!, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return $"not a valid regular expression: {e.Message}";
        }
    }
}
