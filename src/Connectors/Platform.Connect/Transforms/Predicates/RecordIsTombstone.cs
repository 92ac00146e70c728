using Platform.Connect.Config;

namespace Platform.Connect.Transforms.Predicates;

/// <summary>Kafka's <c>RecordIsTombstone</c>: true when the value is null.</summary>
public sealed class RecordIsTombstone : IPredicate
{
    private static readonly ConfigDef Definition = new();

    /// <inheritdoc/>
    public ConfigDef Config => Definition;

    /// <inheritdoc/>
    public void Configure(IReadOnlyDictionary<string, string> config)
    {
    }

    /// <inheritdoc/>
    public bool Test(ConnectRecord record) => record?.Value is null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
