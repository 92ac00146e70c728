using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>Builds a <see cref="SuppressionBuffer{TKey,TValue}"/> for each task; its changelog is compacted, as Kafka's suppression changelogs.</summary>
internal sealed class SuppressionBufferBuilder<TKey, TValue>(string name, ISerde<TKey>? keySerde, ISerde<TValue>? valueSerde)
    : StoreBuilderBase<SuppressionBuffer<TKey, TValue>>(name)
{
    public override SuppressionBuffer<TKey, TValue> Build() => new(Name, keySerde, valueSerde, LoggingEnabled);
}
