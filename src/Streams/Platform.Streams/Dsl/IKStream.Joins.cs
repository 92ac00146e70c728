namespace Platform.Streams.Dsl;

// Joins of a stream with another stream (windowed), a table, or a global table.
public partial interface IKStream<TKey, TValue>
{
    /// <summary>
    /// Joins each record with the records of <paramref name="other"/> with the same key whose timestamps are within
    /// <paramref name="windows"/> (an inner join: only pairs produce results, at the later timestamp of the two).
    /// Both streams are kept in window stores for the window plus grace; both must be co-partitioned (a stream
    /// whose key changed is repartitioned first).
    /// </summary>
    IKStream<TKey, TResult> Join<TOther, TResult>(IKStream<TKey, TOther> other, Func<TValue, TOther, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null);

    /// <summary>Like <see cref="Join{TOther,TResult}(IKStream{TKey,TOther},Func{TValue,TOther,TResult},JoinWindows,StreamJoined{TKey,TValue,TOther})"/>, with the key given to the joiner.</summary>
    IKStream<TKey, TResult> Join<TOther, TResult>(IKStream<TKey, TOther> other, Func<TKey, TValue, TOther, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null);

    /// <summary>
    /// A windowed left join: like an inner join, and a record of this stream that finds no partner is emitted
    /// once with a missing (default) other value, after its window and grace have closed in stream time, so a
    /// late partner never follows a result without it. For value types use a nullable type to tell "missing".
    /// </summary>
    IKStream<TKey, TResult> LeftJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TValue, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null);

    /// <summary>Like <see cref="LeftJoin{TOther,TResult}(IKStream{TKey,TOther},Func{TValue,TOther,TResult},JoinWindows,StreamJoined{TKey,TValue,TOther})"/>, with the key given to the joiner.</summary>
    IKStream<TKey, TResult> LeftJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TKey, TValue, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null);

    /// <summary>
    /// A windowed outer join: records of either stream that find no partner are emitted with the other value
    /// missing (default), once their window and grace have closed.
    /// </summary>
    IKStream<TKey, TResult> OuterJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TValue?, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null);

    /// <summary>Like <see cref="OuterJoin{TOther,TResult}(IKStream{TKey,TOther},Func{TValue,TOther,TResult},JoinWindows,StreamJoined{TKey,TValue,TOther})"/>, with the key given to the joiner.</summary>
    IKStream<TKey, TResult> OuterJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TKey, TValue?, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null);

    /// <summary>
    /// Joins each record with <paramref name="table"/>'s current row of its key (records without a row produce
    /// nothing; table updates produce nothing). The stream and the table must be co-partitioned.
    /// </summary>
    IKStream<TKey, TResult> Join<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TValue, TTableValue, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null);

    /// <summary>Like <see cref="Join{TTableValue,TResult}(IKTable{TKey,TTableValue},Func{TValue,TTableValue,TResult},Joined{TKey,TValue,TTableValue})"/>, with the key given to the joiner.</summary>
    IKStream<TKey, TResult> Join<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TKey, TValue, TTableValue, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null);

    /// <summary>Joins each record with <paramref name="table"/>'s current row of its key, or with a missing (default) row.</summary>
    IKStream<TKey, TResult> LeftJoin<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TValue, TTableValue?, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null);

    /// <summary>Like <see cref="LeftJoin{TTableValue,TResult}(IKTable{TKey,TTableValue},Func{TValue,TTableValue,TResult},Joined{TKey,TValue,TTableValue})"/>, with the key given to the joiner.</summary>
    IKStream<TKey, TResult> LeftJoin<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TKey, TValue, TTableValue?, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null);

    /// <summary>
    /// Joins each record with the row of <paramref name="globalTable"/> whose key <paramref name="keySelector"/>
    /// computes (no co-partitioning needed: every instance holds the whole table).
    /// </summary>
    IKStream<TKey, TResult> Join<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TValue, TGlobalValue, TResult> joiner, Named? named = null);

    /// <summary>Like the global-table join above, with the key given to the joiner.</summary>
    IKStream<TKey, TResult> Join<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TKey, TValue, TGlobalValue, TResult> joiner, Named? named = null);

    /// <summary>Joins each record with the row of <paramref name="globalTable"/> whose key <paramref name="keySelector"/> computes, or with a missing (default) row.</summary>
    IKStream<TKey, TResult> LeftJoin<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TValue, TGlobalValue?, TResult> joiner, Named? named = null);

    /// <summary>Like the global-table left join above, with the key given to the joiner.</summary>
    IKStream<TKey, TResult> LeftJoin<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TKey, TValue, TGlobalValue?, TResult> joiner, Named? named = null);
}
