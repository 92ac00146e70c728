using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// Builds a foreign-key table-table join as Kafka does (KIP-213). The left table's changes become
/// subscriptions keyed by foreign key and go through the subscription-registration topic (co-partitioned
/// with the foreign table) to the foreign side, which stores them and answers each with the foreign row; a
/// change of a foreign row answers all its subscribers. Answers go through the subscription-response topic
/// (co-partitioned with the left table) back to the left side, which drops answers computed from an older left
/// value (by hash) and emits the joined row into the result table.
/// </summary>
internal static class ForeignKeyJoin
{
    public static KTable<TKey, TResult> Build<TKey, TValue, TForeignKey, TForeignValue, TResult>(
        KTable<TKey, TValue> left,
        KTable<TForeignKey, TForeignValue> foreign,
        Func<TValue, TForeignKey> foreignKeyExtractor,
        Func<TValue, TForeignValue?, TResult> joiner,
        TableJoined<TKey, TForeignKey>? tableJoined,
        Materialized<TKey, TResult>? materialized,
        bool leftJoin)
    {
        ArgumentNullException.ThrowIfNull(foreignKeyExtractor);
        if (typeof(TResult).IsValueType && Nullable.GetUnderlyingType(typeof(TResult)) is null)
        {
            throw new ArgumentException(
                $"A foreign-key join forwards deleted results as null, so its result type must be a class or a nullable value type ({typeof(TResult).Name}? instead of {typeof(TResult).Name}).",
                nameof(joiner));
        }

        var builder = left.Builder;
        tableJoined ??= new TableJoined<TKey, TForeignKey>();
        var named = tableJoined.Name is null ? null : Named.As(tableJoined.Name);
        var config = () => builder.Config;

        // Names in Kafka's order, so generated names match its Describe().
        var subscriptionTopic = builder.SuffixOrGenerate(named, "-subscription-registration", "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-") + "-topic";
        var primaryKeyPseudoTopic = subscriptionTopic + "-pk";
        var foreignKeyPseudoTopic = subscriptionTopic + "-fk";
        var valueHashPseudoTopic = subscriptionTopic + "-vh";
        var sendName = builder.SuffixOrGenerate(named, "-subscription-registration-processor", "KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-");
        var subscriptionSinkName = builder.SuffixOrGenerate(named, "-subscription-registration-sink", "KTABLE-SINK-");
        var subscriptionSourceName = builder.SuffixOrGenerate(named, "-subscription-registration-source", "KTABLE-SOURCE-");
        var subscriptionStoreName = builder.SuffixOrGenerate(named, "-subscription-store", "KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-");
        var receiveName = builder.SuffixOrGenerate(named, "-subscription-receive", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-");
        var joinForeignName = builder.SuffixOrGenerate(named, "-subscription-join-foreign", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-");
        var foreignChangeName = builder.SuffixOrGenerate(named, "-foreign-join-subscription", "KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-");
        var responseTopic = builder.SuffixOrGenerate(named, "-subscription-response", "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-") + "-topic";
        var responseSinkName = builder.SuffixOrGenerate(named, "-subscription-response-sink", "KTABLE-SINK-");
        var responseSourceName = builder.SuffixOrGenerate(named, "-subscription-response-source", "KTABLE-SOURCE-");
        var resolverName = builder.SuffixOrGenerate(named, "-subscription-response-resolver", "KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-");
        var resultName = builder.SuffixOrGenerate(named, "-result", "KTABLE-FK-JOIN-OUTPUT-");
        var store = new MaterializedInternal<TKey, TResult>(materialized, builder, "KTABLE-FK-JOIN-OUTPUT-");
        store.InheritSerdes(left.KeySerde, null);

        var operation = (leftJoin ? "LeftJoin" : "Join") + " " + resultName;
        ISerde<TKey> KeySerde() => left.KeySerde ?? Defaults.Serde<TKey>(config(), true, operation);
        ISerde<TValue> ValueSerde() => left.ValueSerde ?? Defaults.Serde<TValue>(config(), false, operation);
        ISerde<TForeignKey> ForeignKeySerde() => foreign.KeySerde ?? Defaults.Serde<TForeignKey>(config(), true, operation);
        ISerde<TForeignValue> ForeignValueSerde() => foreign.ValueSerde ?? Defaults.Serde<TForeignValue>(config(), false, operation);
        CombinedKeySchema<TForeignKey, TKey> KeySchema() => new(ForeignKeySerde(), foreignKeyPseudoTopic, KeySerde(), primaryKeyPseudoTopic);
        var subscriptionSerde = new SubscriptionWrapperSerde<TKey>(KeySerde, primaryKeyPseudoTopic);
        var responseSerde = new SubscriptionResponseWrapperSerde<TForeignValue>(ForeignValueSerde);
        var foreignKeySerde = new LazySerde<TForeignKey>(ForeignKeySerde);
        var keySerde = new LazySerde<TKey>(KeySerde);

        // The subscription sender compares old and new foreign keys and must see deletes with their old row.
        left.EnableSendingOldValues(true);
        var leftView = left.ValueGetterSupplier();
        var foreignView = foreign.ValueGetterSupplier();

        // Left side: send subscriptions.
        builder.AddRepartitionTopic(subscriptionTopic, null);
        builder.AddProcessor<TKey, Change<TValue>, TForeignKey, SubscriptionWrapper<TKey>>(
            sendName,
            () => new SubscriptionSendProcessor<TKey, TValue, TForeignKey>(foreignKeyExtractor, ForeignKeySerde(), foreignKeyPseudoTopic, ValueSerde(), valueHashPseudoTopic, leftJoin),
            [left.Name]);
        builder.AddSink<TForeignKey, SubscriptionWrapper<TKey>>(subscriptionSinkName, subscriptionTopic, sendName, foreignKeySerde, subscriptionSerde, tableJoined.OtherPartitioner);

        // Foreign side: keep subscriptions, answer them, and answer again when a foreign row changes.
        builder.AddSource(subscriptionSourceName, [subscriptionTopic], null, new Consumed<TForeignKey, SubscriptionWrapper<TKey>> { KeySerde = foreignKeySerde, ValueSerde = subscriptionSerde });
        builder.AddStateStore(subscriptionStoreName, () => SubscriptionStore(subscriptionStoreName, subscriptionSerde, config()));
        builder.AddProcessor<TForeignKey, SubscriptionWrapper<TKey>, TForeignKey, SubscriptionWrapper<TKey>>(
            receiveName, () => new SubscriptionReceiveProcessor<TForeignKey, TKey>(subscriptionStoreName, KeySchema()), [subscriptionSourceName], subscriptionStoreName);
        builder.AddProcessor<TForeignKey, SubscriptionWrapper<TKey>, TKey, SubscriptionResponseWrapper<TForeignValue>>(
            joinForeignName, () => new SubscriptionJoinProcessor<TForeignKey, TKey, TForeignValue>(foreignView), [receiveName], [.. foreignView.StoreNames]);
        builder.AddProcessor<TForeignKey, Change<TForeignValue>, TKey, SubscriptionResponseWrapper<TForeignValue>>(
            foreignChangeName, () => new ForeignTableJoinProcessor<TForeignKey, TForeignValue, TKey>(subscriptionStoreName, KeySchema()), [foreign.Name], subscriptionStoreName);
        var foreignGroup = new HashSet<string>(foreign.SourceNodes, StringComparer.Ordinal) { subscriptionSourceName };
        builder.CopartitionSources(foreignGroup);

        // Back to the left side: drop stale answers, emit the joined rows as a table.
        builder.AddRepartitionTopic(responseTopic, null);
        builder.AddSink<TKey, SubscriptionResponseWrapper<TForeignValue>>(responseSinkName, responseTopic, [joinForeignName, foreignChangeName], keySerde, responseSerde, tableJoined.Partitioner);
        builder.AddSource(responseSourceName, [responseTopic], null, new Consumed<TKey, SubscriptionResponseWrapper<TForeignValue>> { KeySerde = keySerde, ValueSerde = responseSerde });
        builder.AddProcessor<TKey, SubscriptionResponseWrapper<TForeignValue>, TKey, TResult>(
            resolverName,
            () => new ResponseJoinProcessor<TKey, TValue, TForeignValue, TResult>(leftView, ValueSerde(), valueHashPseudoTopic, joiner, leftJoin),
            [responseSourceName],
            [.. leftView.StoreNames]);
        var resultSources = new HashSet<string>(left.SourceNodes, StringComparer.Ordinal) { responseSourceName };
        builder.CopartitionSources(resultSources);

        var result = new KTableSource<TKey, TResult>(store.StoreName, store.QueryableName);
        builder.AddStateStore(store.StoreName, () => store.TimestampedKeyValueStore(builder.Config), () => result.Materialized);
        builder.AddNode(resultName, topology =>
        {
            topology.AddProcessor(resultName, result.Get, resolverName);
            if (result.Materialized)
            {
                topology.ConnectProcessorAndStateStores(resultName, store.StoreName);
            }
        });
        return new KTable<TKey, TResult>(builder, resultName, store.KeySerde ?? left.KeySerde, store.ValueSerde, resultSources, store.QueryableName, result);
    }

    private static IStoreBuilder SubscriptionStore<TKey>(string name, SubscriptionWrapperSerde<TKey> subscriptionSerde, StreamsConfig config)
    {
        var supplier = JoinStoreSuppliers.KeyValue(name, config);
        return Stores.TimestampedKeyValueStoreBuilder(supplier, Serdes.Bytes, subscriptionSerde).WithCachingDisabled();
    }
}
