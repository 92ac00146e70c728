namespace Platform.Streams.Dsl.Internal;

/// <summary>Which kind of store a DSL operator builds.</summary>
internal static class DslStores
{
    /// <summary>Whether a store of kind <paramref name="storeType"/> (null: unspecified) is in memory: the kind, else <c>default.dsl.store</c> (persistent unless <c>in_memory</c>).</summary>
    public static bool IsInMemory(DslStoreType? storeType, StreamsConfig config)
        => storeType is { } type
            ? type == DslStoreType.InMemory
            : string.Equals(config.DefaultDslStore, "in_memory", StringComparison.OrdinalIgnoreCase);
}
