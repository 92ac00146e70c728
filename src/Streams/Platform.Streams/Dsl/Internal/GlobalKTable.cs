namespace Platform.Streams.Dsl.Internal;

/// <summary>A global table: its store's name and the getter joins read it with.</summary>
internal sealed partial class GlobalKTable<TKey, TValue>(IKTableValueGetterSupplier<TKey, TValue> valueGetterSupplier, string? queryableStoreName) : IGlobalKTable<TKey, TValue>
{
    public string? QueryableStoreName => queryableStoreName;

    /// <summary>Reads of the table's rows (from any processor: global stores need no connecting).</summary>
    public IKTableValueGetterSupplier<TKey, TValue> ValueGetterSupplier => valueGetterSupplier;
}
