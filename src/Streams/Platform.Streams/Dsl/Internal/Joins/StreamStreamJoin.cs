using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// Builds a windowed stream-stream join as Kafka does: each side's records go through a window processor
/// into its window store (kept for the window size plus grace, duplicates retained), then to its join
/// processor, which looks up the other side's store; left and outer joins share an outer-join store of
/// records still waiting for a partner; both join processors feed a merge node, the join's output.
/// </summary>
internal static class StreamStreamJoin
{
    public static KStream<TKey, TResult> Build<TKey, TValue, TOther, TResult>(
        KStream<TKey, TValue> left,
        KStream<TKey, TOther> right,
        Func<TKey, TValue?, TOther?, TResult> joiner,
        JoinWindows windows,
        StreamJoined<TKey, TValue, TOther>? options,
        bool leftOuter,
        bool rightOuter)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var builder = left.Builder;
        if (!ReferenceEquals(builder, right.Builder))
        {
            throw new ArgumentException("The joined streams belong to different StreamsBuilders.", nameof(right));
        }

        options ??= new StreamJoined<TKey, TValue, TOther>();
        var named = options.Name is null ? null : Named.As(options.Name);
        var keySerde = options.KeySerde ?? left.KeySerde ?? right.KeySerde;
        var valueSerde = options.ValueSerde ?? left.ValueSerde;
        var otherValueSerde = options.OtherValueSerde ?? right.ValueSerde;

        // Streams whose key changed are repartitioned first (Kafka names the topics after the join's name, or after the stream).
        var (leftNode, leftSources) = left.RepartitionIfRequired(named is null ? left.Name : named.Name + "-left", keySerde, valueSerde);
        var (rightNode, rightSources) = right.RepartitionIfRequired(named is null ? right.Name : named.Name + "-right", keySerde, otherValueSerde);

        // Names in Kafka's order, so generated names match its Describe().
        var thisSuffix = rightOuter ? "-outer-this-join" : "-this-join";
        var otherSuffix = leftOuter ? "-outer-other-join" : "-other-join";
        var thisWindowName = builder.SuffixOrGenerate(named, "-this-windowed", "KSTREAM-WINDOWED-");
        var otherWindowName = builder.SuffixOrGenerate(named, "-other-windowed", "KSTREAM-WINDOWED-");
        var thisPrefix = rightOuter ? "KSTREAM-OUTERTHIS-" : "KSTREAM-JOINTHIS-";
        var joinThisGenerated = builder.NewProcessorName(thisPrefix);
        var joinOtherGenerated = builder.NewProcessorName(leftOuter ? "KSTREAM-OUTEROTHER-" : "KSTREAM-JOINOTHER-");
        var joinThisName = named is null ? joinThisGenerated : named.Name + thisSuffix;
        var joinOtherName = named is null ? joinOtherGenerated : named.Name + otherSuffix;
        var mergeName = builder.SuffixOrGenerate(named, "-merge", "KSTREAM-MERGE-");

        var thisStoreName = (options.StoreName is null ? joinThisGenerated : options.StoreName + thisSuffix) + "-store";
        var otherStoreName = (options.StoreName is null ? joinOtherGenerated : options.StoreName + otherSuffix) + "-store";
        string? outerStoreName = null;
        if (leftOuter)
        {
            outerStoreName = (options.StoreName is null ? "KSTREAM-OUTERSHARED-" + joinThisGenerated[thisPrefix.Length..] : options.StoreName + "-outer-shared-join") + "-store";
        }

        builder.AddStateStore(thisStoreName, () => WindowStore(thisStoreName, windows, options, keySerde, valueSerde, builder.Config, "the left window store of join " + joinThisName));
        builder.AddStateStore(otherStoreName, () => WindowStore(otherStoreName, windows, options, keySerde, otherValueSerde, builder.Config, "the right window store of join " + joinThisName));
        if (outerStoreName is not null)
        {
            builder.AddStateStore(outerStoreName, () => OuterJoinStore(outerStoreName, options, keySerde, valueSerde, otherValueSerde, builder.Config, joinThisName));
        }

        builder.AddProcessor<TKey, TValue, TKey, TValue>(thisWindowName, () => new KStreamJoinWindowProcessor<TKey, TValue>(thisStoreName), [leftNode], thisStoreName);
        builder.AddProcessor<TKey, TOther, TKey, TOther>(otherWindowName, () => new KStreamJoinWindowProcessor<TKey, TOther>(otherStoreName), [rightNode], otherStoreName);

        var trackers = new JoinTimeTrackers();
        var leftSide = new KStreamKStreamJoinSide<TKey, TValue, TOther, TValue, TOther, TResult>(
            true, leftOuter, windows, thisStoreName, otherStoreName, outerStoreName, joiner, LeftOrRightValue<TValue, TOther>.MakeLeft, joiner);
        var rightSide = new KStreamKStreamJoinSide<TKey, TOther, TValue, TValue, TOther, TResult>(
            false, rightOuter, windows, thisStoreName, thisStoreName, outerStoreName, (k, o, v) => joiner(k, v, o), LeftOrRightValue<TValue, TOther>.MakeRight, joiner);
        string[] thisStores = outerStoreName is null ? [otherStoreName, thisStoreName] : [otherStoreName, thisStoreName, outerStoreName];
        string[] otherStores = outerStoreName is null ? [thisStoreName] : [thisStoreName, outerStoreName];
        builder.AddProcessor<TKey, TValue, TKey, TResult>(
            joinThisName, () => new KStreamKStreamJoinProcessor<TKey, TValue, TOther, TValue, TOther, TResult>(leftSide, trackers), [thisWindowName], thisStores);
        builder.AddProcessor<TKey, TOther, TKey, TResult>(
            joinOtherName, () => new KStreamKStreamJoinProcessor<TKey, TOther, TValue, TValue, TOther, TResult>(rightSide, trackers), [otherWindowName], otherStores);
        builder.AddProcessor<TKey, TResult, TKey, TResult>(mergeName, () => new PassThrough<TKey, TResult>(), [joinThisName, joinOtherName]);

        var sources = new HashSet<string>(leftSources, StringComparer.Ordinal);
        sources.UnionWith(rightSources);
        builder.CopartitionSources(sources);
        return new KStream<TKey, TResult>(builder, mergeName, keySerde, null, sources, false);
    }

    private static IStoreBuilder WindowStore<TKey, TValue, TLeft, TRight>(
        string name, JoinWindows windows, StreamJoined<TKey, TLeft, TRight> options, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde, StreamsConfig config, string user)
    {
        // Kept for the window plus grace; every record is its own window, and equal keys and timestamps are all kept.
        var retentionMs = windows.SizeMs + windows.GracePeriodMs;
        var supplier = JoinStoreSuppliers.Window(name, retentionMs, windows.SizeMs, config, options.StoreType);
        var store = new JoinWindowStoreBuilder<TKey, TValue>(supplier, keySerde ?? Defaults.Serde<TKey>(config, true, user), valueSerde ?? Defaults.Serde<TValue>(config, false, user));
        return options.LoggingEnabled ? store.WithLoggingEnabled(JoinWindowStoreBuilder<TKey, TValue>.ChangelogConfig(options.LogConfig, retentionMs)) : store.WithLoggingDisabled();
    }

    private static IStoreBuilder OuterJoinStore<TKey, TLeft, TRight>(
        string name, StreamJoined<TKey, TLeft, TRight> options, ISerde<TKey>? keySerde, ISerde<TLeft>? leftSerde, ISerde<TRight>? rightSerde, StreamsConfig config, string joinName)
    {
        var user = "the outer-join store of join " + joinName;
        var supplier = JoinStoreSuppliers.KeyValue(name, config, options.StoreType);
        var store = Stores.KeyValueStoreBuilder(
            supplier,
            new TimestampedKeyAndJoinSideSerde<TKey>(keySerde ?? Defaults.Serde<TKey>(config, true, user)),
            new LeftOrRightValuesSerde<TLeft, TRight>(leftSerde ?? Defaults.Serde<TLeft>(config, false, user), rightSerde ?? Defaults.Serde<TRight>(config, false, user)))
            .WithCachingDisabled();
        return options.LoggingEnabled ? store.WithLoggingEnabled(options.LogConfig) : store.WithLoggingDisabled();
    }
}
