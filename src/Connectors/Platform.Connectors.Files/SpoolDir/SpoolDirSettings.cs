using System.Globalization;
using System.Text.RegularExpressions;
using Platform.Connect.Config;
using static Platform.Connectors.Files.SpoolDir.SpoolDirSourceConnector;

namespace Platform.Connectors.Files.SpoolDir;

/// <summary>A spooling directory source's parsed configuration.</summary>
internal sealed record SpoolDirSettings(
    string InputPath,
    Regex FilePattern,
    string? FinishedPath,
    string ErrorPath,
    string CleanupPolicy,
    string InputFormat,
    char CsvSeparator,
    string Topic,
    int BatchSize,
    TimeSpan PollInterval,
    TimeSpan MinimumAge,
    int TaskIndex,
    int TaskCount)
{
    public const string FinishedPathRequired = "must be set when cleanup.policy is move";

    /// <exception cref="ConfigException">A key is missing or invalid; names it.</exception>
    public static SpoolDirSettings Parse(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        var policy = parsed.GetString(SpoolDirSourceConnector.CleanupPolicy)!.ToLowerInvariant();
        var finished = parsed.GetString(SpoolDirSourceConnector.FinishedPath);
        if (policy == "move" && string.IsNullOrWhiteSpace(finished))
        {
            throw new ConfigException(SpoolDirSourceConnector.FinishedPath, finished, FinishedPathRequired);
        }

        var taskCount = config.TryGetValue(SpoolDirSourceConnector.TaskCount, out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 1;
        var taskIndex = config.TryGetValue(SpoolDirSourceConnector.TaskIndex, out var i) ? int.Parse(i, CultureInfo.InvariantCulture) : 0;
        return new SpoolDirSettings(
            Path.GetFullPath(parsed.GetString(SpoolDirSourceConnector.InputPath)!),
            new Regex($"^(?:{parsed.GetString(InputFilePattern)})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)),
            string.IsNullOrWhiteSpace(finished) ? null : Path.GetFullPath(finished),
            Path.GetFullPath(parsed.GetString(SpoolDirSourceConnector.ErrorPath)!),
            policy,
            parsed.GetString(SpoolDirSourceConnector.InputFormat)!.ToLowerInvariant(),
            parsed.GetString(SpoolDirSourceConnector.CsvSeparator)![0],
            parsed.GetString(SpoolDirSourceConnector.Topic)!,
            parsed.GetInt(SpoolDirSourceConnector.BatchSize),
            TimeSpan.FromMilliseconds(parsed.GetLong(PollIntervalMs)),
            TimeSpan.FromMilliseconds(parsed.GetLong(FileMinimumAgeMs)),
            taskIndex,
            taskCount);
    }
}
