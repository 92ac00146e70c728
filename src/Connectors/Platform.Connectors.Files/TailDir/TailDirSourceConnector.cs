using Platform.Connect.Config;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Files.TailDir;

/// <summary>
/// Flume's TAILDIR source: follows every file matching some globs and emits each complete line as it is
/// appended. Where it is in each file is kept in a position file, written only with positions the broker has
/// acknowledged, so a restart resumes without loss. Files are told apart by inode and a fingerprint (a hash of
/// their first bytes), never by name, so rotation by rename, a rename while stopped, truncation
/// (<c>copytruncate</c>) and inode reuse are all handled: a renamed file keeps its position, a truncated or
/// rewritten one starts over, a copy of a tracked file resumes where the original was.
/// </summary>
/// <remarks>
/// A file renamed out of the globs (rotated away) is read to its end through the handle already open, then
/// forgotten. Lines still being written (no newline yet) wait until complete. One task: the position file has
/// one writer.
/// </remarks>
public sealed class TailDirSourceConnector : SourceConnector
{
    internal const string FileGlobs = "file.globs";
    internal const string FileGroups = "filegroups";
    internal const string PositionFile = "position.file";
    internal const string Topic = "topic";
    internal const string BatchSize = "batch.size";
    internal const string PollIntervalMs = "poll.interval.ms";
    internal const string FingerprintBytes = "fingerprint.bytes";
    internal const string FileHeaderKey = "file.header.key";
    internal const string SkipToEnd = "skip.to.end";
    internal const string PositionFlushIntervalMs = "position.flush.interval.ms";

    internal static readonly ConfigDef Definition = new ConfigDef()
        .Define(FileGlobs, ConfigType.List, Array.Empty<string>(), Importance.High,
            "Comma-separated globs of the files to tail, e.g. '/var/log/app/*.log'. Wildcards (*, ?, [...]) are allowed in the file name only. Give this, filegroups, or both.")
        .Define(FileGroups, ConfigType.List, Array.Empty<string>(), Importance.Medium,
            "Flume-style named groups: 'filegroups=f1,f2' with 'filegroups.f1=/path/*.log' giving each group's glob. Records carry the group's name in the 'filegroup' header.")
        .Define(PositionFile, ConfigType.String, ConfigDef.NoDefault, Importance.High,
            "The JSON file recording, per tailed file (inode, fingerprint, path), the position up to which the broker acknowledged every line. Written atomically.",
            ConfigDef.Validators.NonEmptyString())
        .Define(Topic, ConfigType.String, ConfigDef.NoDefault, Importance.High, "The topic records are written to.", ConfigDef.Validators.NonEmptyString())
        .Define(BatchSize, ConfigType.Int, 1000, Importance.Low, "The most records returned by one poll.", ConfigDef.Validators.AtLeast(1))
        .Define(PollIntervalMs, ConfigType.Long, 500L, Importance.Low,
            "How often the globs are listed again and, when nothing new was written, how long a poll waits.", ConfigDef.Validators.AtLeast(1))
        .Define(FingerprintBytes, ConfigType.Int, 1024, Importance.Low,
            "How many leading bytes of a file are hashed into its fingerprint.", ConfigDef.Validators.Between(16, 1 << 20))
        .Define(FileHeaderKey, ConfigType.String, "file", Importance.Low, "The header carrying the path of the file a line came from.", ConfigDef.Validators.NonEmptyString())
        .Define(SkipToEnd, ConfigType.Boolean, false, Importance.Low,
            "Whether a file not in the position file is read from its end (only new lines) rather than from its start.")
        .Define(PositionFlushIntervalMs, ConfigType.Long, 1000L, Importance.Low,
            "The least time between two writes of the position file while acknowledgements arrive; it is also written when the runtime commits offsets and on stop.",
            ConfigDef.Validators.AtLeast(0));

    private Dictionary<string, string> _config = [];

    /// <inheritdoc/>
    public override ConfigDef Config => Definition;

    /// <inheritdoc/>
    public override Type TaskType => typeof(TailDirSourceTask);

    /// <inheritdoc/>
    public override void Start(IReadOnlyDictionary<string, string> config)
    {
        TailDirSettings.Parse(config);
        _config = new Dictionary<string, string>(config, StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs(int maxTasks) => [_config];

    /// <inheritdoc/>
    public override void Stop()
    {
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ConfigValue> Validate(IReadOnlyDictionary<string, string> config)
    {
        var values = base.Validate(config).ToList();
        try
        {
            TailDirSettings.Parse(config);
        }
        catch (ConfigException e) when (e.Key is null)
        {
            // A missing required key: the per-key validation above reports it.
        }
        catch (ConfigException e)
        {
            var index = values.FindIndex(v => v.Name == e.Key!);
            if (index < 0)
            {
                values.Add(new ConfigValue(e.Key!, config.GetValueOrDefault(e.Key!), [e.Message]));
            }
            else if (values[index].Errors.Count == 0)
            {
                values[index] = values[index] with { Errors = [e.Message] };
            }
        }

        return values;
    }
}
