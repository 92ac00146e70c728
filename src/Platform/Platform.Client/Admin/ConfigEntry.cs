namespace Platform.Client.Admin;

/// <summary>One incremental config change.</summary>
public sealed class ConfigEntry
{
    /// <summary>Config name, e.g. <c>retention.ms</c>.</summary>
    public required string Name { get; set; }

    /// <summary>The value (ignored by <see cref="AlterConfigOpType.Delete"/>).</summary>
    public string? Value { get; set; }

    /// <summary>What to do.</summary>
    public AlterConfigOpType IncrementalOperation { get; set; } = AlterConfigOpType.Set;
}
