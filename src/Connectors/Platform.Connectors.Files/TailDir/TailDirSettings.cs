using Platform.Connect.Config;
using static Platform.Connectors.Files.TailDir.TailDirSourceConnector;

namespace Platform.Connectors.Files.TailDir;

/// <summary>A tail source's parsed configuration.</summary>
internal sealed record TailDirSettings(
    IReadOnlyList<TailGlob> Globs,
    string PositionFile,
    string Topic,
    int BatchSize,
    TimeSpan PollInterval,
    int FingerprintBytes,
    string FileHeaderKey,
    bool SkipToEnd,
    TimeSpan PositionFlushInterval)
{
    /// <exception cref="ConfigException">A key is missing or invalid; names it.</exception>
    public static TailDirSettings Parse(IReadOnlyDictionary<string, string> config)
    {
        var parsed = Definition.Parse(config);
        var globs = new List<TailGlob>();
        foreach (var text in parsed.GetList(FileGlobs))
        {
            globs.Add(TailGlob.TryParse(null, text, out var problem) ?? throw new ConfigException(FileGlobs, text, problem!));
        }

        foreach (var group in parsed.GetList(FileGroups))
        {
            var key = $"{FileGroups}.{group}";
            if (!config.TryGetValue(key, out var text) || string.IsNullOrWhiteSpace(text))
            {
                throw new ConfigException(key, null, $"file group '{group}' is listed in {FileGroups} but has no glob");
            }

            globs.Add(TailGlob.TryParse(group, text, out var problem) ?? throw new ConfigException(key, text, problem!));
        }

        if (globs.Count == 0)
        {
            throw new ConfigException(FileGlobs, config.GetValueOrDefault(FileGlobs), $"give at least one glob in {FileGlobs} or {FileGroups}");
        }

        return new TailDirSettings(
            globs,
            Path.GetFullPath(parsed.GetString(TailDirSourceConnector.PositionFile)!),
            parsed.GetString(TailDirSourceConnector.Topic)!,
            parsed.GetInt(TailDirSourceConnector.BatchSize),
            TimeSpan.FromMilliseconds(parsed.GetLong(PollIntervalMs)),
            parsed.GetInt(TailDirSourceConnector.FingerprintBytes),
            parsed.GetString(TailDirSourceConnector.FileHeaderKey)!,
            parsed.GetBoolean(TailDirSourceConnector.SkipToEnd),
            TimeSpan.FromMilliseconds(parsed.GetLong(PositionFlushIntervalMs)));
    }
}
