namespace Platform.Client.Producer;

/// <summary>
/// A record handed to <see cref="Producer{TKey, TValue}.ProduceStaged"/>: its topic, its partition (-1 for the
/// partitioner's choice), the message and the handler of its report.
/// </summary>
internal readonly record struct StagedRecord<TKey, TValue>(string Topic, int Partition, Message<TKey, TValue> Message, IRunDeliveryHandler Handler);
