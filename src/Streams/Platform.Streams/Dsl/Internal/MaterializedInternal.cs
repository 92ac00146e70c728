using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// A <see cref="Materialized{TKey,TValue}"/> resolved for one operator: the store's name (the user's, else
/// generated with the operator's prefix, taking a number from the builder's counter at construction, as Kafka
/// does), the queryable name (only a user-given name), the serdes (the user's, else those inherited from
/// upstream), and the store builder.
/// </summary>
internal sealed class MaterializedInternal<TKey, TValue>
{
    private readonly Materialized<TKey, TValue> _materialized;

    public MaterializedInternal(Materialized<TKey, TValue>? materialized, InternalStreamsBuilder builder, string generatedPrefix)
    {
        _materialized = materialized ?? new Materialized<TKey, TValue>();
        StoreName = _materialized.StoreName ?? builder.NewStoreName(generatedPrefix);
        QueryableName = _materialized.StoreName;
        KeySerde = _materialized.KeySerde;
        ValueSerde = _materialized.ValueSerde;
    }

    /// <summary>The store's name.</summary>
    public string StoreName { get; }

    /// <summary>The user-given name, under which the store is queryable; null otherwise.</summary>
    public string? QueryableName { get; }

    /// <summary>The key serde (null: the default).</summary>
    public ISerde<TKey>? KeySerde { get; private set; }

    /// <summary>The value serde (null: the default).</summary>
    public ISerde<TValue>? ValueSerde { get; private set; }

    /// <summary>The options as given.</summary>
    public Materialized<TKey, TValue> Options => _materialized;

    /// <summary>Takes upstream serdes where the user gave none.</summary>
    public void InheritSerdes(ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    {
        KeySerde ??= keySerde;
        ValueSerde ??= valueSerde;
    }

    /// <summary>Whether the store is in memory (the option, else <c>default.dsl.store</c>).</summary>
    public bool InMemory(StreamsConfig config) => DslStores.IsInMemory(_materialized.StoreType, config);

    /// <summary>The innermost byte store: RocksDB (Kafka's default), or in memory when the option or <c>default.dsl.store</c> says so.</summary>
    public IKeyValueBytesStoreSupplier KeyValueSupplier(StreamsConfig config)
        => InMemory(config) ? Stores.InMemoryKeyValueStore(StoreName) : Stores.PersistentKeyValueStore(StoreName);

    /// <summary>The timestamped key-value store of a DSL table or aggregation, with the cache and changelog settings applied.</summary>
    public IStoreBuilder<ITimestampedKeyValueStore<TKey, TValue>> TimestampedKeyValueStore(StreamsConfig config)
    {
        var builder = Stores.TimestampedKeyValueStoreBuilder(KeyValueSupplier(config), KeySerde, ValueSerde);
        builder = _materialized.CachingEnabled ? builder.WithCachingEnabled() : builder.WithCachingDisabled();
        builder = _materialized.LoggingEnabled ? builder.WithLoggingEnabled(_materialized.LogConfig) : builder.WithLoggingDisabled();
        return builder;
    }
}
