using System.Text;

namespace Platform.Protocol.RecordFormat;

/// <summary>
/// The headers of one decoded <see cref="Record"/>, left encoded: enumerating them yields slices of the
/// batch buffer and allocates nothing; <see cref="ToArray"/> materialises strings and arrays.
/// </summary>
public readonly struct RecordHeaders
{
    internal RecordHeaders(ReadOnlyMemory<byte> encoded, int count)
    {
        Encoded = encoded;
        Count = count;
    }

    public int Count { get; }

    /// <summary>The headers as on the wire, after the count: [keyLength key valueLength value]*.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    public Enumerator GetEnumerator() => new(Encoded, Count);

    public RecordHeader[] ToArray()
    {
        if (Count == 0)
        {
            return [];
        }

        var result = new RecordHeader[Count];
        var i = 0;
        foreach (var header in this)
        {
            result[i++] = header.ToRecordHeader();
        }

        return result;
    }

    /// <summary>One header as slices of the batch buffer.</summary>
    public readonly struct Entry
    {
        private readonly ReadOnlyMemory<byte> _value;
        private readonly bool _valueIsNull;

        internal Entry(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, bool valueIsNull)
        {
            Key = key;
            _value = value;
            _valueIsNull = valueIsNull;
        }

        /// <summary>The UTF-8 bytes of the key.</summary>
        public ReadOnlyMemory<byte> Key { get; }

        public ReadOnlyMemory<byte>? Value => _valueIsNull ? default(ReadOnlyMemory<byte>?) : _value;

        public bool IsValueNull => _valueIsNull;

        public string KeyString => Encoding.UTF8.GetString(Key.Span);

        public RecordHeader ToRecordHeader() => new(KeyString, _valueIsNull ? null : _value.ToArray());
    }

    public struct Enumerator
    {
        private readonly ReadOnlyMemory<byte> _encoded;
        private int _remaining;
        private int _position;

        internal Enumerator(ReadOnlyMemory<byte> encoded, int count)
        {
            _encoded = encoded;
            _remaining = count;
            _position = 0;
            Current = default;
        }

        public Entry Current { get; private set; }

        public bool MoveNext()
        {
            if (_remaining == 0)
            {
                return false;
            }

            // The parser validated these bytes when it produced the record.
            var span = _encoded.Span;
            if (!RecordParser.TryReadBytes(span, ref _position, out var keyStart, out var keyLength)
                || !RecordParser.TryReadBytes(span, ref _position, out var valueStart, out var valueLength))
            {
                throw new InvalidDataException("Corrupt record header.");
            }

            Current = new Entry(
                _encoded.Slice(keyStart, Math.Max(keyLength, 0)),
                _encoded.Slice(valueStart, Math.Max(valueLength, 0)),
                valueLength < 0);
            _remaining--;
            return true;
        }
    }
}
