using Platform.Streams.SerDes;
using Platform.Streams.State;
using Platform.Streams.State.Internal;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// Builds a <see cref="JoinWindowStore{TKey,TValue}"/> over a window byte store retaining duplicates (in memory,
/// or segmented RocksDB) with its changelog; never cached (duplicates must all reach the store). The changelog
/// is compacted and deleted after the retention plus a day, as Kafka configures window changelogs.
/// </summary>
internal sealed class JoinWindowStoreBuilder<TKey, TValue> : StoreBuilderBase<IWindowStore<TKey, TValue>>
{
    // Kafka's windowstore.changelog.additional.retention.ms default: a day, so clock drift does not delete data early.
    private const long AdditionalChangelogRetentionMs = 24 * 60 * 60 * 1000;
    private readonly IWindowBytesStoreSupplier _supplier;
    private readonly ISerde<TKey>? _keySerde;
    private readonly ISerde<TValue>? _valueSerde;

    public JoinWindowStoreBuilder(IWindowBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        : base(supplier.Name)
    {
        _supplier = supplier;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
        WithCachingDisabled();
    }

    /// <summary>The changelog's topic configs: the given ones over compaction plus deletion after the retention.</summary>
    public static IReadOnlyDictionary<string, string> ChangelogConfig(IReadOnlyDictionary<string, string> given, long retentionMs)
    {
        var config = WindowedChangelogConfig.For(retentionMs + AdditionalChangelogRetentionMs);
        foreach (var (key, value) in given)
        {
            config[key] = value;
        }

        return config;
    }

    public override IWindowStore<TKey, TValue> Build()
    {
        var store = _supplier.Get();
        if (LoggingEnabled)
        {
            store = new ChangeLoggingWindowBytesStore(store, timestamped: false, retainDuplicates: true);
        }

        return new JoinWindowStore<TKey, TValue>(store, _keySerde, _valueSerde);
    }
}
