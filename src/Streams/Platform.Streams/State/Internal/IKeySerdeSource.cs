using Platform.Streams.SerDes;

namespace Platform.Streams.State.Internal;

/// <summary>
/// A typed store that can tell its key serde before it is opened, so the instance hosting a key can be found
/// (<see cref="KafkaStreams.QueryMetadataForKey{TKey}"/>) on an instance that runs none of the store's tasks.
/// </summary>
internal interface IKeySerdeSource<TKey>
{
    /// <summary>The key serde given to the store, else the configured default.</summary>
    ISerde<TKey> KeySerde(StreamsConfig config);
}
