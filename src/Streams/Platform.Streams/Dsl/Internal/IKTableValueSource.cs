namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// What the processor producing a table offers to operators downstream: reading its rows (<see cref="View"/>)
/// and sending old values with each update (<see cref="EnableSendingOldValues"/>), which aggregations over a
/// re-grouped table and some joins need.
/// </summary>
internal interface IKTableValueSource<TKey, TValue>
{
    /// <summary>A getter supplier for the table's rows (a source table becomes materialized for it).</summary>
    IKTableValueGetterSupplier<TKey, TValue> View();

    /// <summary>
    /// Makes updates carry old values. Returns whether they will: a table that has no store and whose parents
    /// cannot send old values returns false unless <paramref name="forceMaterialization"/> makes its source keep a store.
    /// </summary>
    bool EnableSendingOldValues(bool forceMaterialization);
}
