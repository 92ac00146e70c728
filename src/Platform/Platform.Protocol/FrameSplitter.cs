using System.Buffers;
using System.Buffers.Binary;

namespace Platform.Protocol;

/// <summary>
/// Kafka's framing, the same in both directions: <c>int32 size + payload</c>. Takes frames off the
/// front of the bytes received so far and refuses a size outside the limits as soon as its four
/// bytes are in, before any of the payload is held. The broker's connections and the client's share it.
/// </summary>
public static class FrameSplitter
{
    /// <summary>Bytes of the size prefix.</summary>
    public const int SizeLength = 4;

    /// <summary>Reads the size prefix at the front of <paramref name="buffer"/>, if its four bytes have arrived.</summary>
    /// <exception cref="ProtocolException">The size is outside <paramref name="minSize"/>..<paramref name="maxSize"/>; <paramref name="limit"/> names the maximum in the message.</exception>
    public static bool TryReadSize(ReadOnlySpan<byte> buffer, int minSize, int maxSize, string limit, out int size)
    {
        if (buffer.Length < SizeLength)
        {
            size = 0;
            return false;
        }

        size = BinaryPrimitives.ReadInt32BigEndian(buffer);
        if (size < minSize || size > maxSize)
        {
            throw new ProtocolException($"Frame size {size} is outside {minSize}..{maxSize} ({limit}); the stream is corrupt or not Kafka.");
        }

        return true;
    }

    /// <inheritdoc cref="TryReadSize(ReadOnlySpan{byte}, int, int, string, out int)"/>
    public static bool TryReadSize(in ReadOnlySequence<byte> buffer, int minSize, int maxSize, string limit, out int size)
    {
        if (buffer.FirstSpan.Length >= SizeLength || buffer.Length < SizeLength)
        {
            return TryReadSize(buffer.FirstSpan, minSize, maxSize, limit, out size);
        }

        Span<byte> prefix = stackalloc byte[SizeLength];
        buffer.Slice(0, SizeLength).CopyTo(prefix);
        return TryReadSize(prefix, minSize, maxSize, limit, out size);
    }

    /// <summary>Takes one whole frame's payload off the front of <paramref name="buffer"/>, if it has arrived.</summary>
    /// <exception cref="ProtocolException">As <see cref="TryReadSize(ReadOnlySpan{byte}, int, int, string, out int)"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int minSize, int maxSize, string limit, out ReadOnlySequence<byte> payload)
    {
        if (!TryReadSize(buffer, minSize, maxSize, limit, out var size) || buffer.Length - SizeLength < size)
        {
            payload = default;
            return false;
        }

        payload = buffer.Slice(SizeLength, size);
        buffer = buffer.Slice(payload.End);
        return true;
    }
}
