using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// Reads a table's current row by key from inside another processor (a join, a non-materialized filter's child):
/// from the table's store, or computed through non-materialized operators from their parent's getter.
/// </summary>
internal interface IKTableValueGetter<TKey, TValue>
{
    /// <summary>Looks up the stores it reads; <paramref name="stores"/> is the calling processor's store lookup.</summary>
    void Init(Func<string, IStateStore> stores);

    /// <summary>The row of <paramref name="key"/> with its timestamp, or null when there is none.</summary>
    ValueAndTimestamp<TValue>? Get(TKey key);
}
