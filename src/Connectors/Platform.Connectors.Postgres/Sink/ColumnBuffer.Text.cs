using System.Text;
using NpgsqlTypes;

namespace Platform.Connectors.Postgres.Sink;

internal abstract partial class ColumnBuffer
{
    /// <summary>
    /// A text, varchar, char, json or jsonb column: each value's UTF-8 bytes in one byte buffer reused from batch to batch
    /// (what COPY sends), so a JSON string goes from the record's document to the COPY without a string. Strings from
    /// the mapper are encoded once as they are set; one that is not text (a lone surrogate) is refused then, naming the
    /// column. Strings are made again only for <c>unnest</c> arrays and key comparisons.
    /// </summary>
    private sealed class TextColumn(Platform.Connectors.Postgres.Common.PgType type) : ColumnBuffer(type)
    {
        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        private byte[] _bytes = new byte[16 * 1024];
        private int _used;
        private int[] _starts = new int[256];
        private int[] _lengths = new int[256];

        private ReadOnlySpan<byte> Bytes(int row) => _bytes.AsSpan(_starts[row], _lengths[row]);

        private string Text(int row) => Utf8.GetString(Bytes(row));

        public override object? Get(int row) => IsNull(row) ? null : Text(row);

        public override List<int> LastPerValue(List<int> rows)
        {
            var last = new Dictionary<string, int>(rows.Count, StringComparer.Ordinal);
            var lastNull = -1;
            for (var i = 0; i < rows.Count; i++)
            {
                if (IsNull(rows[i]))
                {
                    lastNull = i;
                }
                else
                {
                    last[Text(rows[i])] = i;
                }
            }

            return Kept(rows, last.Values, lastNull);
        }

        public override void Encode(BinaryCopyWriter writer, int row)
        {
            if (IsNull(row))
            {
                writer.WriteNull();
            }
            else
            {
                writer.WriteText(Bytes(row), jsonb: Type.DbType == NpgsqlDbType.Jsonb);
            }
        }

        public override Npgsql.NpgsqlParameter ToArrayParameter(IReadOnlyList<int> rows)
        {
            var array = new string?[rows.Count];
            for (var i = 0; i < array.Length; i++)
            {
                array[i] = IsNull(rows[i]) ? null : Text(rows[i]);
            }

            return ArrayParameter(array);
        }

        // The buffer is the batch's: a new batch writes over it.
        public override void Release(int rows) => _used = 0;

        protected override void Grow(int capacity)
        {
            Array.Resize(ref _starts, capacity);
            Array.Resize(ref _lengths, capacity);
        }

        protected override void SetValue(int row, object value)
        {
            // Refuses a lone surrogate (EncoderFallbackException, which Set reports naming the column).
            var text = (string)value;
            Utf8.GetBytes(text, Reserve(row, Utf8.GetByteCount(text)));
        }

        protected override bool TrySetDirect(int row, object value)
        {
            if (value is not string)
            {
                return false;
            }

            SetValue(row, value);
            return true;
        }

        protected override bool TryStoreUtf8(int row, ReadOnlySpan<byte> utf8)
        {
            utf8.CopyTo(Reserve(row, utf8.Length));
            return true;
        }

        private Span<byte> Reserve(int row, int length)
        {
            if (_used + length > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + length));
            }

            _starts[row] = _used;
            _lengths[row] = length;
            _used += length;
            return _bytes.AsSpan(_starts[row], length);
        }
    }
}
