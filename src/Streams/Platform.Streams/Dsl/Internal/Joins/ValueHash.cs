namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>The 128-bit hash of a serialized left value, as the foreign-key join carries it.</summary>
/// <param name="High">The first half.</param>
/// <param name="Low">The second half.</param>
internal readonly record struct ValueHash(long High, long Low)
{
    /// <summary>The hash of <paramref name="serialized"/>; null for an absent value.</summary>
    public static ValueHash? Of(byte[]? serialized)
    {
        if (serialized is null)
        {
            return null;
        }

        var (high, low) = Murmur3.Hash128(serialized);
        return new ValueHash(high, low);
    }
}
