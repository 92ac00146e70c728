namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>What the foreign side of a foreign-key join does with a subscription (Kafka's byte values).</summary>
internal enum SubscriptionInstruction : byte
{
    /// <summary>The left record moved to another foreign key: forget it here, answer nothing (the new key answers).</summary>
    DeleteKeyNoPropagate = 0,

    /// <summary>The left record was deleted: forget it and answer, so the result is deleted.</summary>
    DeleteKeyAndPropagate = 1,

    /// <summary>A new left record: answer only if the foreign key has a value.</summary>
    PropagateOnlyIfForeignValueAvailable = 2,

    /// <summary>The left record changed: answer even without a foreign value, so a stale result is replaced.</summary>
    PropagateNullIfNoForeignValueAvailable = 3,
}
