namespace Platform.Connect.Storage;

/// <summary>One connector as the configs topic describes it.</summary>
/// <param name="Name">The connector's name.</param>
/// <param name="Properties">Its configuration.</param>
/// <param name="SourceFile">The config-directory file it came from, or null when created over REST.</param>
/// <param name="TargetState">Started, paused or stopped.</param>
/// <param name="TaskConfigs">The task configurations its connector instance produced (empty until it did).</param>
public sealed record ConnectorConfigState(
    string Name,
    IReadOnlyDictionary<string, string> Properties,
    string? SourceFile,
    TargetState TargetState,
    IReadOnlyList<IReadOnlyDictionary<string, string>> TaskConfigs);
