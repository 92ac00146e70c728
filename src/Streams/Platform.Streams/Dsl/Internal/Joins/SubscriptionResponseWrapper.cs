namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// The foreign side's answer to a subscription, sent back through the subscription-response topic keyed by
/// the left key: the foreign value (if any) and the hash of the left value the subscription carried.
/// </summary>
/// <param name="OriginalValueHash">The left value's hash from the subscription; null when the left record was deleted.</param>
/// <param name="HasForeignValue">Whether the foreign key has a value.</param>
/// <param name="ForeignValue">The foreign value, default when absent.</param>
internal sealed record SubscriptionResponseWrapper<TForeignValue>(ValueHash? OriginalValueHash, bool HasForeignValue, TForeignValue? ForeignValue);
