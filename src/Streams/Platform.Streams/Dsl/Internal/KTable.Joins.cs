using Platform.Streams.Dsl.Internal.Joins;

namespace Platform.Streams.Dsl.Internal;

// Table-table joins: on the key, or on a foreign key taken from this table's values.
internal sealed partial class KTable<TKey, TValue>
{
    public IKTable<TKey, TResult> Join<TOther, TResult>(IKTable<TKey, TOther> other, Func<TValue, TOther, TResult> joiner, Materialized<TKey, TResult>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return TableTableJoin<TOther, TResult>(other, (v, o) => joiner(v!, o!), TableJoinSide.Inner, materialized, named);
    }

    public IKTable<TKey, TResult> LeftJoin<TOther, TResult>(IKTable<TKey, TOther> other, Func<TValue, TOther?, TResult> joiner, Materialized<TKey, TResult>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return TableTableJoin<TOther, TResult>(other, (v, o) => joiner(v!, o), TableJoinSide.Left, materialized, named);
    }

    public IKTable<TKey, TResult> OuterJoin<TOther, TResult>(IKTable<TKey, TOther> other, Func<TValue?, TOther?, TResult> joiner, Materialized<TKey, TResult>? materialized = null, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return TableTableJoin(other, joiner, TableJoinSide.Outer, materialized, named);
    }

    public IKTable<TKey, TResult> Join<TForeignKey, TForeignValue, TResult>(
        IKTable<TForeignKey, TForeignValue> other,
        Func<TValue, TForeignKey> foreignKeyExtractor,
        Func<TValue, TForeignValue, TResult> joiner,
        TableJoined<TKey, TForeignKey>? tableJoined = null,
        Materialized<TKey, TResult>? materialized = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return ForeignKeyJoin.Build<TKey, TValue, TForeignKey, TForeignValue, TResult>(
            this, AsKTable(other, "Join"), foreignKeyExtractor, (v, f) => joiner(v, f!), tableJoined, materialized, false);
    }

    public IKTable<TKey, TResult> LeftJoin<TForeignKey, TForeignValue, TResult>(
        IKTable<TForeignKey, TForeignValue> other,
        Func<TValue, TForeignKey> foreignKeyExtractor,
        Func<TValue, TForeignValue?, TResult> joiner,
        TableJoined<TKey, TForeignKey>? tableJoined = null,
        Materialized<TKey, TResult>? materialized = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return ForeignKeyJoin.Build(this, AsKTable(other, "LeftJoin"), foreignKeyExtractor, joiner, tableJoined, materialized, true);
    }

    private KTable<TOtherKey, TOther> AsKTable<TOtherKey, TOther>(IKTable<TOtherKey, TOther> other, string operation)
    {
        ArgumentNullException.ThrowIfNull(other);
        var table = other as KTable<TOtherKey, TOther>
            ?? throw new ArgumentException($"{operation}: the other table must come from a StreamsBuilder.", nameof(other));
        return ReferenceEquals(table.Builder, Builder)
            ? table
            : throw new ArgumentException($"{operation}: the tables belong to different StreamsBuilders.", nameof(other));
    }

    private KTable<TKey, TResult> TableTableJoin<TOther, TResult>(IKTable<TKey, TOther> other, Func<TValue?, TOther?, TResult> joiner, TableJoinSide kind, Materialized<TKey, TResult>? materialized, Named? named)
    {
        var right = AsKTable(other, kind switch { TableJoinSide.Inner => "Join", TableJoinSide.Left => "LeftJoin", _ => "OuterJoin" });

        // Kafka's order: the store's number, then the merge, this and other processors.
        var store = materialized is null ? null : new MaterializedInternal<TKey, TResult>(materialized, Builder, "KTABLE-MERGE-");
        var mergeName = Builder.NameOrGenerate(named, "KTABLE-MERGE-");
        var joinThisName = Builder.SuffixOrGenerate(named, "-join-this", "KTABLE-JOINTHIS-");
        var joinOtherName = Builder.SuffixOrGenerate(named, "-join-other", "KTABLE-JOINOTHER-");
        store?.InheritSerdes(KeySerde ?? right.KeySerde, null);

        // A row deleted on the side that keeps results (left, or either for outer) needs its old value to be told
        // apart from a delete of a row that never existed, which must produce nothing.
        if (kind != TableJoinSide.Inner)
        {
            EnableSendingOldValues(true);
        }

        if (kind == TableJoinSide.Outer)
        {
            right.EnableSendingOldValues(true);
        }

        var result = new KTableKTableJoinResult<TKey, TValue, TOther, TResult>(ValueSource, right.ValueSource, joiner, kind, store?.StoreName);
        var thisView = ValueGetterSupplier();
        var otherView = right.ValueGetterSupplier();
        var thisSide = kind switch { TableJoinSide.Outer => TableJoinSide.Outer, TableJoinSide.Inner => TableJoinSide.Inner, _ => TableJoinSide.Left };
        var otherSide = kind switch { TableJoinSide.Outer => TableJoinSide.Outer, TableJoinSide.Inner => TableJoinSide.Inner, _ => TableJoinSide.Right };
        Builder.AddProcessor<TKey, Change<TValue>, TKey, Change<TResult>>(
            joinThisName, () => new KTableKTableJoinProcessor<TKey, TValue, TOther, TResult>(otherView, joiner, thisSide, () => result.SendOldValues), [Name], [.. otherView.StoreNames]);
        Builder.AddProcessor<TKey, Change<TOther>, TKey, Change<TResult>>(
            joinOtherName, () => new KTableKTableJoinProcessor<TKey, TOther, TValue, TResult>(thisView, (o, v) => joiner(v, o), otherSide, () => result.SendOldValues), [right.Name], [.. thisView.StoreNames]);
        if (store is null)
        {
            Builder.AddProcessor<TKey, Change<TResult>, TKey, Change<TResult>>(mergeName, result.Get, [joinThisName, joinOtherName]);
        }
        else
        {
            Builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(Builder.Config));
            Builder.AddProcessor<TKey, Change<TResult>, TKey, Change<TResult>>(mergeName, result.Get, [joinThisName, joinOtherName], store.StoreName);
        }

        var sources = new HashSet<string>(SourceNodes, StringComparer.Ordinal);
        sources.UnionWith(right.SourceNodes);
        Builder.CopartitionSources(sources);
        return new KTable<TKey, TResult>(Builder, mergeName, store?.KeySerde ?? KeySerde ?? right.KeySerde, store?.ValueSerde, sources, store?.QueryableName, result);
    }
}
