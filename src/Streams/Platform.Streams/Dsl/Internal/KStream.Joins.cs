using Platform.Streams.Dsl.Internal.Joins;

namespace Platform.Streams.Dsl.Internal;

// Joins of a stream with another stream (windowed), a table, or a global table.
internal sealed partial class KStream<TKey, TValue>
{
    public IKStream<TKey, TResult> Join<TOther, TResult>(IKStream<TKey, TOther> other, Func<TValue, TOther, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return Join<TOther, TResult>(other, (_, v, o) => joiner(v, o), windows, streamJoined);
    }

    public IKStream<TKey, TResult> Join<TOther, TResult>(IKStream<TKey, TOther> other, Func<TKey, TValue, TOther, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return StreamStreamJoin.Build(this, AsKStream(other, "Join"), (k, v, o) => joiner(k, v!, o!), windows, streamJoined, false, false);
    }

    public IKStream<TKey, TResult> LeftJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TValue, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return LeftJoin<TOther, TResult>(other, (_, v, o) => joiner(v, o), windows, streamJoined);
    }

    public IKStream<TKey, TResult> LeftJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TKey, TValue, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return StreamStreamJoin.Build(this, AsKStream(other, "LeftJoin"), (k, v, o) => joiner(k, v!, o), windows, streamJoined, true, false);
    }

    public IKStream<TKey, TResult> OuterJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TValue?, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return OuterJoin<TOther, TResult>(other, (_, v, o) => joiner(v, o), windows, streamJoined);
    }

    public IKStream<TKey, TResult> OuterJoin<TOther, TResult>(IKStream<TKey, TOther> other, Func<TKey, TValue?, TOther?, TResult> joiner, JoinWindows windows, StreamJoined<TKey, TValue, TOther>? streamJoined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return StreamStreamJoin.Build(this, AsKStream(other, "OuterJoin"), joiner, windows, streamJoined, true, true);
    }

    public IKStream<TKey, TResult> Join<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TValue, TTableValue, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return StreamTableJoin<TTableValue, TResult>(table, (_, v, t) => joiner(v, t!), joined, false);
    }

    public IKStream<TKey, TResult> Join<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TKey, TValue, TTableValue, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return StreamTableJoin<TTableValue, TResult>(table, (k, v, t) => joiner(k, v, t!), joined, false);
    }

    public IKStream<TKey, TResult> LeftJoin<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TValue, TTableValue?, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return StreamTableJoin<TTableValue, TResult>(table, (_, v, t) => joiner(v, t), joined, true);
    }

    public IKStream<TKey, TResult> LeftJoin<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TKey, TValue, TTableValue?, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return StreamTableJoin(table, joiner, joined, true);
    }

    public IKStream<TKey, TResult> Join<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TValue, TGlobalValue, TResult> joiner, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return GlobalTableJoin<TGlobalKey, TGlobalValue, TResult>(globalTable, keySelector, (_, v, g) => joiner(v, g!), named, false);
    }

    public IKStream<TKey, TResult> Join<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TKey, TValue, TGlobalValue, TResult> joiner, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return GlobalTableJoin<TGlobalKey, TGlobalValue, TResult>(globalTable, keySelector, (k, v, g) => joiner(k, v, g!), named, false);
    }

    public IKStream<TKey, TResult> LeftJoin<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TValue, TGlobalValue?, TResult> joiner, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return GlobalTableJoin<TGlobalKey, TGlobalValue, TResult>(globalTable, keySelector, (_, v, g) => joiner(v, g), named, true);
    }

    public IKStream<TKey, TResult> LeftJoin<TGlobalKey, TGlobalValue, TResult>(IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TKey, TValue, TGlobalValue?, TResult> joiner, Named? named = null)
    {
        ArgumentNullException.ThrowIfNull(joiner);
        return GlobalTableJoin(globalTable, keySelector, joiner, named, true);
    }

    private static KStream<TKey, TOther> AsKStream<TOther>(IKStream<TKey, TOther> other, string operation)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other as KStream<TKey, TOther>
            ?? throw new ArgumentException($"{operation}: the other stream must come from a StreamsBuilder.", nameof(other));
    }

    private KStream<TKey, TResult> StreamTableJoin<TTableValue, TResult>(IKTable<TKey, TTableValue> table, Func<TKey, TValue, TTableValue?, TResult> joiner, Joined<TKey, TValue, TTableValue>? joined, bool leftJoin)
    {
        ArgumentNullException.ThrowIfNull(table);
        var kTable = table as KTable<TKey, TTableValue>
            ?? throw new ArgumentException($"{(leftJoin ? "LeftJoin" : "Join")}: the table must come from a StreamsBuilder.", nameof(table));
        if (!ReferenceEquals(kTable.Builder, Builder))
        {
            throw new ArgumentException("The stream and the table belong to different StreamsBuilders.", nameof(table));
        }

        joined ??= new Joined<TKey, TValue, TTableValue>();
        var named = joined.Name is null ? null : Named.As(joined.Name);

        // A stream whose key changed is repartitioned first, through a topic named after the join (Kafka's order: repartition, then the join's name).
        var (parent, sources) = RepartitionIfRequired(joined.Name ?? Name, joined.KeySerde ?? KeySerde ?? kTable.KeySerde, joined.ValueSerde ?? ValueSerde);
        var name = Builder.NameOrGenerate(named, leftJoin ? "KSTREAM-LEFTJOIN-" : "KSTREAM-JOIN-");
        var view = kTable.ValueGetterSupplier();
        Builder.AddProcessor<TKey, TValue, TKey, TResult>(
            name, () => new KStreamKTableJoinProcessor<TKey, TValue, TKey, TTableValue, TResult>(view, (k, _) => k, joiner, leftJoin), [parent], [.. view.StoreNames]);
        var allSources = new HashSet<string>(sources, StringComparer.Ordinal);
        allSources.UnionWith(kTable.SourceNodes);
        Builder.CopartitionSources(allSources);
        return new KStream<TKey, TResult>(Builder, name, joined.KeySerde ?? KeySerde ?? kTable.KeySerde, null, allSources, false);
    }

    private KStream<TKey, TResult> GlobalTableJoin<TGlobalKey, TGlobalValue, TResult>(
        IGlobalKTable<TGlobalKey, TGlobalValue> globalTable, Func<TKey, TValue, TGlobalKey> keySelector, Func<TKey, TValue, TGlobalValue?, TResult> joiner, Named? named, bool leftJoin)
    {
        ArgumentNullException.ThrowIfNull(globalTable);
        ArgumentNullException.ThrowIfNull(keySelector);
        var global = globalTable as GlobalKTable<TGlobalKey, TGlobalValue>
            ?? throw new ArgumentException($"{(leftJoin ? "LeftJoin" : "Join")}: the global table must come from a StreamsBuilder.", nameof(globalTable));
        var name = Builder.NameOrGenerate(named, leftJoin ? "KSTREAM-LEFTJOIN-" : "KSTREAM-JOIN-");
        var view = global.ValueGetterSupplier;

        // Global stores are readable from every processor without connecting them; the key may stay unpartitioned.
        Builder.AddProcessor<TKey, TValue, TKey, TResult>(
            name, () => new KStreamKTableJoinProcessor<TKey, TValue, TGlobalKey, TGlobalValue, TResult>(view, keySelector, joiner, leftJoin), [Name]);
        return new KStream<TKey, TResult>(Builder, name, KeySerde, null, SourceNodes, RepartitionRequired);
    }
}
