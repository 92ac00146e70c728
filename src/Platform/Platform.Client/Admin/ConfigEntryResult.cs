namespace Platform.Client.Admin;

/// <summary>One described config.</summary>
/// <param name="Name">Config name.</param>
/// <param name="Value">Value, null when sensitive or unset.</param>
/// <param name="Source">Where the value comes from.</param>
/// <param name="IsDefault">Whether it is the default value.</param>
/// <param name="IsReadOnly">Whether it cannot be altered.</param>
/// <param name="IsSensitive">Whether the value is hidden.</param>
/// <param name="Synonyms">Lower-precedence values, when asked for.</param>
public sealed record ConfigEntryResult(
    string Name,
    string? Value,
    ConfigSource Source,
    bool IsDefault,
    bool IsReadOnly,
    bool IsSensitive,
    IReadOnlyList<ConfigSynonym> Synonyms);
