using Platform.Streams.SerDes;
using Platform.Streams.State.Internal;

namespace Platform.Streams.State;

/// <summary>
/// Builds session stores, as DSL session aggregations use. The changelog is <c>compact,delete</c> with
/// <c>retention.ms</c> = the store's retention. With <see cref="StoreBuilderBase{TStore}.CachingEnabled"/> (the
/// DSL's default) writes go through the record cache, which passes the latest value per session on to the
/// store, the changelog and downstream on commit or eviction.
/// </summary>
public sealed class SessionStoreBuilder<TKey, TValue> : StoreBuilderBase<ISessionStore<TKey, TValue>>
{
    private readonly ISessionBytesStoreSupplier _supplier;
    private readonly ISerde<TKey>? _keySerde;
    private readonly ISerde<TValue>? _valueSerde;

    /// <summary>A builder over <paramref name="supplier"/>; null serdes use the configured defaults.</summary>
    public SessionStoreBuilder(ISessionBytesStoreSupplier supplier, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
        : base(supplier?.Name ?? throw new ArgumentNullException(nameof(supplier)))
    {
        _supplier = supplier;
        _keySerde = keySerde;
        _valueSerde = valueSerde;
        WithLoggingEnabled(WindowedChangelogConfig.For(supplier.RetentionPeriodMs));
    }

    /// <inheritdoc/>
    public override ISessionStore<TKey, TValue> Build()
    {
        var store = _supplier.Get();
        if (LoggingEnabled)
        {
            store = new ChangeLoggingSessionBytesStore(store);
        }

        if (CachingEnabled)
        {
            store = new CachingSessionStore(store, _supplier.RetentionPeriodMs);
        }

        return new MeteredSessionStore<TKey, TValue>(store, _keySerde, _valueSerde);
    }
}
