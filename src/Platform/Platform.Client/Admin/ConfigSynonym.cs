namespace Platform.Client.Admin;

/// <summary>A value that would apply to a config at a lower precedence.</summary>
/// <param name="Name">Config name at that level (e.g. the broker's <c>log.retention.ms</c>).</param>
/// <param name="Value">Value, null when sensitive.</param>
/// <param name="Source">Where it comes from.</param>
public sealed record ConfigSynonym(string Name, string? Value, ConfigSource Source);
