using System.Buffers.Binary;

namespace Platform.Streams.State.Internal;

/// <summary>
/// The key layout of window stores' changelogs, as Kafka Streams' <c>WindowKeySchema</c> store keys: key bytes,
/// 8-byte big-endian window start, 4-byte big-endian sequence number (which keeps duplicates apart when a store
/// retains them, and is 0 otherwise).
/// </summary>
internal static class WindowKeySchema
{
    private const int SuffixLength = sizeof(long) + sizeof(int);

    /// <summary>Key + start + sequence number.</summary>
    public static byte[] ToStoreKeyBinary(ReadOnlySpan<byte> key, long windowStartMs, int sequenceNumber)
    {
        var bytes = new byte[key.Length + SuffixLength];
        key.CopyTo(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(key.Length), windowStartMs);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(key.Length + sizeof(long)), sequenceNumber);
        return bytes;
    }

    /// <summary>The key, window start and sequence number of a store key.</summary>
    /// <exception cref="FormatException">Shorter than the 12-byte suffix.</exception>
    public static (Bytes Key, long WindowStartMs, int SequenceNumber) FromStoreKeyBinary(ReadOnlySpan<byte> storeKey)
    {
        if (storeKey.Length < SuffixLength)
        {
            throw new FormatException($"A window store key needs at least {SuffixLength} bytes (start and sequence number); got {storeKey.Length}.");
        }

        var keyLength = storeKey.Length - SuffixLength;
        return (
            Bytes.Copy(storeKey[..keyLength]),
            BinaryPrimitives.ReadInt64BigEndian(storeKey[keyLength..]),
            BinaryPrimitives.ReadInt32BigEndian(storeKey[(keyLength + sizeof(long))..]));
    }
}
