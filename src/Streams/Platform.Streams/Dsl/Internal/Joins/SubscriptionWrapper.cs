namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// A subscription of a left record to a foreign key, sent through the subscription-registration topic keyed
/// by the foreign key: the left key, the hash of the left value it was computed from, and what to do.
/// </summary>
/// <param name="Hash">The hash of the left value; null when the left record was deleted.</param>
/// <param name="Instruction">What the foreign side does with it.</param>
/// <param name="PrimaryKey">The left record's key.</param>
internal sealed record SubscriptionWrapper<TKey>(ValueHash? Hash, SubscriptionInstruction Instruction, TKey PrimaryKey);
