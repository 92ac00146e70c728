using Platform.Connect.Config;

namespace Platform.Connect.Transforms;

/// <summary>Kafka's <c>Filter</c>: drops every record it applies to; pair it with a predicate (and <c>negate</c>).</summary>
public sealed class Filter : ITransformation
{
    private static readonly ConfigDef Definition = new();

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config)
    {
    }

    /// <inheritdoc/>
    public ConnectRecord? Apply(ConnectRecord record) => null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
