namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The key of the stream-stream join's outer-join store: a record still waiting for a partner, by timestamp,
/// side and key. Serialized timestamp first, so the store iterates oldest first.
/// </summary>
/// <param name="Timestamp">The waiting record's timestamp.</param>
/// <param name="LeftSide">Whether it came from the left stream.</param>
/// <param name="Key">Its key.</param>
internal readonly record struct TimestampedKeyAndJoinSide<TKey>(long Timestamp, bool LeftSide, TKey Key);
