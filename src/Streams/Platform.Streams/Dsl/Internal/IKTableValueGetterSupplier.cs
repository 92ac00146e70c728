namespace Platform.Streams.Dsl.Internal;

/// <summary>Makes value getters of one table; the processor using them must be connected to <see cref="StoreNames"/>.</summary>
internal interface IKTableValueGetterSupplier<TKey, TValue>
{
    /// <summary>The stores the getters read.</summary>
    IReadOnlyList<string> StoreNames { get; }

    /// <summary>A getter for one processor instance.</summary>
    IKTableValueGetter<TKey, TValue> Get();
}
