using System.Runtime.CompilerServices;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// Zig-zag varints over spans, as records use them (protobuf encoding). Reads are <c>Try</c> so the
/// validator can walk hostile bytes without exceptions; callers that want one throw it themselves.
/// </summary>
internal static class VarInt
{
    public const int MaxVarIntBytes = 5;
    public const int MaxVarLongBytes = 10;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOf(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SizeOf(long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        // 1 byte per started group of 7 bits; raw | 1 keeps zero at one byte.
        return (70 - System.Numerics.BitOperations.LeadingZeroCount(raw | 1)) / 7;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SizeOfUnsigned(uint raw) => (38 - System.Numerics.BitOperations.LeadingZeroCount(raw | 1)) / 7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> destination, int value)
    {
        var raw = (uint)((value << 1) ^ (value >> 31));
        var i = 0;
        while (raw >= 0x80)
        {
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }

        destination[i++] = (byte)raw;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> destination, long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (raw >= 0x80)
        {
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }

        destination[i++] = (byte)raw;
        return i;
    }

    /// <summary>Reads a zig-zag int32 at <paramref name="position"/>, advancing it; false if truncated or too long.</summary>
    /// <remarks>
    /// Inlined for the one- and two-byte ones, which are nearly all a record's (lengths, deltas, a header count): the
    /// validator reads six per record on the connection's thread, and the call and loop were a tenth of its samples.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> source, ref int position, out int value)
    {
        var at = position;
        if ((uint)at < (uint)source.Length)
        {
            uint first = source[at];
            if (first < 0x80)
            {
                position = at + 1;
                value = (int)(first >> 1) ^ -(int)(first & 1);
                return true;
            }

            if ((uint)(at + 1) < (uint)source.Length && source[at + 1] is var second && second < 0x80)
            {
                var raw = (first & 0x7F) | ((uint)second << 7);
                position = at + 2;
                value = (int)(raw >> 1) ^ -(int)(raw & 1);
                return true;
            }
        }

        return TryReadLonger(source, ref position, out value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryReadLonger(ReadOnlySpan<byte> source, ref int position, out int value)
    {
        uint raw = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if ((uint)position >= (uint)source.Length)
            {
                break;
            }

            var b = source[position++];
            raw |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (int)(raw >> 1) ^ -(int)(raw & 1);
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>Reads a zig-zag int64 at <paramref name="position"/>, advancing it; false if truncated or too long.</summary>
    /// <remarks>Inlined for one byte: a record's timestamp delta, within a batch of one producer's milliseconds, mostly is.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> source, ref int position, out long value)
    {
        var at = position;
        if ((uint)at < (uint)source.Length && source[at] is var first && first < 0x80)
        {
            position = at + 1;
            value = (long)(first >> 1) ^ -(long)(first & 1);
            return true;
        }

        return TryReadLonger(source, ref position, out value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryReadLonger(ReadOnlySpan<byte> source, ref int position, out long value)
    {
        ulong raw = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if ((uint)position >= (uint)source.Length)
            {
                break;
            }

            var b = source[position++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }

        value = 0;
        return false;
    }
}
