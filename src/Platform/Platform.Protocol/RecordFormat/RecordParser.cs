namespace Platform.Protocol.RecordFormat;

/// <summary>Where one record's parts lie in a records section; lengths of -1 mean null.</summary>
internal struct RecordLayout
{
    public long TimestampDelta;
    public int OffsetDelta;
    public int KeyStart;
    public int KeyLength;
    public int ValueStart;
    public int ValueLength;
    public int HeadersStart;
    public int HeadersLength;
    public int HeaderCount;
}

/// <summary>
/// Walks one record of a (plain) records section: length | attributes | timestampDelta | offsetDelta |
/// key | value | headers. Shared by the reader and the validator, so both reject the same bytes.
/// </summary>
internal static class RecordParser
{
    /// <summary>Parses the record at <paramref name="position"/> and moves past it; false if it is malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> records, ref int position, out RecordLayout layout)
    {
        layout = default;
        if (!VarInt.TryRead(records, ref position, out int length) || length < 1 || length > records.Length - position)
        {
            return false;
        }

        var end = position + length;
        var body = records[..end];
        var p = position + 1; // attributes: unused
        if (!VarInt.TryRead(body, ref p, out layout.TimestampDelta)
            || !VarInt.TryRead(body, ref p, out layout.OffsetDelta)
            || !TryReadBytes(body, ref p, out layout.KeyStart, out layout.KeyLength)
            || !TryReadBytes(body, ref p, out layout.ValueStart, out layout.ValueLength)
            || !VarInt.TryRead(body, ref p, out layout.HeaderCount)
            || layout.HeaderCount < 0)
        {
            return false;
        }

        layout.HeadersStart = p;
        for (var i = 0; i < layout.HeaderCount; i++)
        {
            if (!TryReadBytes(body, ref p, out _, out var keyLength) || keyLength < 0 || !TryReadBytes(body, ref p, out _, out _))
            {
                return false;
            }
        }

        // The declared length must cover the record exactly.
        if (p != end)
        {
            return false;
        }

        layout.HeadersLength = end - layout.HeadersStart;
        position = end;
        return true;
    }

    /// <summary>Reads a varint length (-1 = null) and skips the bytes it announces.</summary>
    public static bool TryReadBytes(ReadOnlySpan<byte> source, ref int position, out int start, out int length)
    {
        start = 0;
        if (!VarInt.TryRead(source, ref position, out length) || length < -1 || (length > 0 && length > source.Length - position))
        {
            return false;
        }

        start = position;
        if (length > 0)
        {
            position += length;
        }

        return true;
    }
}
