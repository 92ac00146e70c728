using System.Buffers.Binary;
using System.Globalization;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// Rows in PostgreSQL's binary COPY format, encoded straight from the column buffers into one reused byte buffer that
/// goes to a raw COPY stream: Npgsql's typed importer binds and resolves a parameter for every value, which cost the
/// sink as much as everything else it does per row. Values are encoded as Npgsql encodes them for the same column
/// types (UTF-8 text, which the column buffer made refusing lone surrogates, <see cref="DateTime.MinValue"/>/<see cref="DateTime.MaxValue"/> as
/// -infinity/infinity, big-endian UUIDs), so PostgreSQL sees the same bytes and refuses the same values.
/// </summary>
internal sealed class BinaryCopyWriter
{
    /// <summary>Bytes gathered before they are sent (the rows of a statement are sent as they are encoded, not held whole).</summary>
    public const int FlushBytes = 64 * 1024;

    // "PGCOPY\n\377\r\n\0": written as bytes (a u8 literal would encode \377 as two).
    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).Ticks;
    private static readonly int PostgresEpochDay = new DateOnly(2000, 1, 1).DayNumber;

    private byte[] _buffer = new byte[FlushBytes * 2];
    private int _used;

    /// <summary>The bytes encoded and not yet sent.</summary>
    public int Pending => _used;

    /// <summary>Starts a COPY: the signature, no flags, no header extension.</summary>
    public void Begin()
    {
        _used = 0;
        Signature.CopyTo(Take(Signature.Length));
        BinaryPrimitives.WriteInt32BigEndian(Take(4), 0);
        BinaryPrimitives.WriteInt32BigEndian(Take(4), 0);
    }

    /// <summary>Starts a row of <paramref name="fields"/> values.</summary>
    public void StartRow(int fields) => BinaryPrimitives.WriteInt16BigEndian(Take(2), checked((short)fields));

    /// <summary>Ends the COPY data (the trailer).</summary>
    public void End() => BinaryPrimitives.WriteInt16BigEndian(Take(2), -1);

    /// <summary>Sends what is encoded so far.</summary>
    public async Task FlushAsync(Stream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_buffer.AsMemory(0, _used), cancellationToken).ConfigureAwait(false);
        _used = 0;
    }

    public void WriteNull() => BinaryPrimitives.WriteInt32BigEndian(Take(4), -1);

    public void WriteBool(bool value)
    {
        var span = Field(1);
        span[0] = value ? (byte)1 : (byte)0;
    }

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Field(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Field(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Field(8), value);

    public void WriteFloat(float value) => BinaryPrimitives.WriteSingleBigEndian(Field(4), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleBigEndian(Field(8), value);

    /// <summary>A timestamp (with or without time zone: the caller made it UTC for the former): microseconds since 2000-01-01.</summary>
    public void WriteTimestamp(DateTime value)
        => WriteInt64(value == DateTime.MinValue ? long.MinValue : value == DateTime.MaxValue ? long.MaxValue : (value.Ticks - PostgresEpochTicks) / 10);

    /// <summary>A date: days since 2000-01-01.</summary>
    public void WriteDate(DateOnly value)
        => WriteInt32(value == DateOnly.MinValue ? int.MinValue : value == DateOnly.MaxValue ? int.MaxValue : value.DayNumber - PostgresEpochDay);

    /// <summary>A time of day: microseconds since midnight (PostgreSQL refuses values outside a day).</summary>
    public void WriteTime(TimeSpan value) => WriteInt64(value.Ticks / 10);

    public void WriteUuid(Guid value) => value.TryWriteBytes(Field(16), bigEndian: true, out _);

    public void WriteBytes(byte[] value) => value.CopyTo(Field(value.Length));

    /// <summary>Text, varchar, char and json: the UTF-8 bytes; jsonb (<paramref name="jsonb"/>): its format version 1 first.</summary>
    public void WriteText(ReadOnlySpan<byte> utf8, bool jsonb = false)
    {
        var prefix = jsonb ? 1 : 0;
        var span = Field(prefix + utf8.Length);
        if (jsonb)
        {
            span[0] = 1;
        }

        utf8.CopyTo(span[prefix..]);
    }

    /// <summary>A numeric: base-10000 digits around the decimal point, the first one's weight, the sign and the value's scale.</summary>
    public void WriteNumeric(decimal value)
    {
        // decimal's general format never uses an exponent: at most 29 digits, a sign and a point.
        Span<char> text = stackalloc char[40];
        value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
        text = text[..written];
        var negative = text[0] == '-';
        if (negative)
        {
            text = text[1..];
        }

        var point = text.IndexOf('.');
        var whole = (point < 0 ? text : text[..point]).TrimStart('0');
        var fraction = point < 0 ? [] : text[(point + 1)..];
        var wholeGroups = (whole.Length + 3) / 4;
        var fractionGroups = (fraction.Length + 3) / 4;
        Span<short> digits = stackalloc short[wholeGroups + fractionGroups];
        for (var g = 0; g < wholeGroups; g++)
        {
            // Whole digits group from the point leftwards: the first group may be short.
            var end = whole.Length - ((wholeGroups - 1 - g) * 4);
            digits[g] = Group(whole[Math.Max(0, end - 4)..end]);
        }

        for (var g = 0; g < fractionGroups; g++)
        {
            // Fraction digits group from the point rightwards: the last group is padded with zeros.
            var group = fraction[(g * 4)..Math.Min(fraction.Length, (g * 4) + 4)];
            var number = Group(group);
            for (var pad = group.Length; pad < 4; pad++)
            {
                number *= 10;
            }

            digits[wholeGroups + g] = number;
        }

        var weight = wholeGroups - 1;
        var first = 0;
        while (first < digits.Length && digits[first] == 0)
        {
            first++;
            weight--;
        }

        var last = digits.Length;
        while (last > first && digits[last - 1] == 0)
        {
            last--;
        }

        var count = last - first;
        var span = Field(8 + (2 * count));
        BinaryPrimitives.WriteInt16BigEndian(span, (short)count);
        BinaryPrimitives.WriteInt16BigEndian(span[2..], (short)(count == 0 ? 0 : weight));
        BinaryPrimitives.WriteInt16BigEndian(span[4..], negative && count > 0 ? (short)0x4000 : (short)0);
        BinaryPrimitives.WriteInt16BigEndian(span[6..], (short)fraction.Length);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(span[(8 + (2 * i))..], digits[first + i]);
        }
    }

    private static short Group(ReadOnlySpan<char> digits)
    {
        var number = 0;
        foreach (var digit in digits)
        {
            number = (number * 10) + (digit - '0');
        }

        return (short)number;
    }

    /// <summary>A value of <paramref name="length"/> bytes: its length is written, the returned span takes the bytes.</summary>
    private Span<byte> Field(int length)
    {
        var span = Take(4 + length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        return span[4..];
    }

    private Span<byte> Take(int size)
    {
        if (_used + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _used + size));
        }

        var span = _buffer.AsSpan(_used, size);
        _used += size;
        return span;
    }
}
