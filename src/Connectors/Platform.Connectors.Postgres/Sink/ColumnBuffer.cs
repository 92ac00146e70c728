using System.Runtime.CompilerServices;
using NpgsqlTypes;
using Platform.Connectors.Postgres.Common;

namespace Platform.Connectors.Postgres.Sink;

/// <summary>
/// One table column's values for a batch, in a typed array (a <c>long[]</c> for a bigint column...) that is reused
/// from batch to batch: rows are written from here by binary COPY or as <c>unnest</c> arrays without a boxed value or
/// an object per row surviving until the write.
/// </summary>
internal abstract partial class ColumnBuffer(PgType type)
{
    private bool[] _nulls = new bool[256];
    private bool[] _absent = new bool[256];

    public PgType Type { get; } = type;

    /// <summary>The buffer for a column of <paramref name="type"/>.</summary>
    public static ColumnBuffer For(PgType type) => type.DbType switch
    {
        NpgsqlDbType.Boolean => new StructColumn<bool>(type),
        NpgsqlDbType.Smallint => new StructColumn<short>(type),
        NpgsqlDbType.Integer => new StructColumn<int>(type),
        NpgsqlDbType.Bigint => new StructColumn<long>(type),
        NpgsqlDbType.Real => new StructColumn<float>(type),
        NpgsqlDbType.Double => new StructColumn<double>(type),
        NpgsqlDbType.Numeric => new StructColumn<decimal>(type),
        NpgsqlDbType.Bytea => new ClassColumn<byte[]>(type),
        NpgsqlDbType.Timestamp or NpgsqlDbType.TimestampTz => new StructColumn<DateTime>(type),
        NpgsqlDbType.Date => new StructColumn<DateOnly>(type),
        NpgsqlDbType.Time => new StructColumn<TimeSpan>(type),
        NpgsqlDbType.Uuid => new StructColumn<Guid>(type),
        _ => new TextColumn(type),
    };

    /// <summary>Drops the references the first <paramref name="rows"/> rows hold (strings, byte arrays), so a written batch's values do not live on.</summary>
    public virtual void Release(int rows)
    {
    }

    /// <summary>Makes room for row <paramref name="row"/> and leaves it absent (a record without the column).</summary>
    public void Clear(int row)
    {
        if (row >= _nulls.Length)
        {
            var capacity = Math.Max(_nulls.Length * 2, row + 1);
            Array.Resize(ref _nulls, capacity);
            Array.Resize(ref _absent, capacity);
            Grow(capacity);
        }

        _nulls[row] = true;
        _absent[row] = true;
    }

    /// <summary>Sets row <paramref name="row"/> (made room for by <see cref="Clear"/>) to the Connect value <paramref name="value"/> of column <paramref name="column"/>, converted as <see cref="PgType.ToColumn"/> does.</summary>
    /// <exception cref="Platform.Connect.DataException">The value does not fit the column; names it.</exception>
    public void Set(int row, object? value, string column)
    {
        _absent[row] = false;
        _nulls[row] = value is null;
        try
        {
            if (value is not null && !TrySetDirect(row, value))
            {
                SetValue(row, Type.ToColumn(value, column)!);
            }
        }
        catch (System.Text.EncoderFallbackException e)
        {
            // Text columns hold UTF-8: a string that is not text (a lone surrogate) has none.
            throw new Platform.Connect.DataException($"Value for column '{column}' of type {Type.Name} is not valid text: {e.Message}", e);
        }
    }

    /// <summary>Sets row <paramref name="row"/> to the JSON integer <paramref name="value"/>, as <see cref="Set"/> does with it boxed (but without the box for the usual columns).</summary>
    /// <exception cref="Platform.Connect.DataException">The value does not fit the column; names it.</exception>
    public void SetInt64(int row, long value, string column)
    {
        _absent[row] = false;
        _nulls[row] = false;
        if (!TrySetInt64(row, value))
        {
            SetValue(row, Type.ToColumn(value, column)!);
        }
    }

    /// <summary>Sets row <paramref name="row"/> to the JSON number <paramref name="value"/>, as <see cref="Set"/> does with it boxed (but without the box into a double column).</summary>
    /// <exception cref="Platform.Connect.DataException">The value does not fit the column; names it.</exception>
    public void SetDouble(int row, double value, string column)
    {
        _absent[row] = false;
        _nulls[row] = false;
        if (!TrySetDouble(row, value))
        {
            SetValue(row, Type.ToColumn(value, column)!);
        }
    }

    /// <summary>
    /// Sets row <paramref name="row"/> to a JSON string's <paramref name="utf8"/> bytes (valid UTF-8, unescaped) when the
    /// column takes text as it is (no box, no string); false (the row untouched) for the others, which take the string.
    /// </summary>
    public bool TrySetUtf8(int row, ReadOnlySpan<byte> utf8)
    {
        if (!TryStoreUtf8(row, utf8))
        {
            return false;
        }

        _absent[row] = false;
        _nulls[row] = false;
        return true;
    }

    public bool IsNull(int row) => _nulls[row];

    /// <summary>Whether any of <paramref name="rows"/> has the column (a value or an explicit null): absent everywhere, it is left out of the statement.</summary>
    public bool UsedBy(IReadOnlyList<int> rows)
    {
        foreach (var row in rows)
        {
            if (!_absent[row])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Row <paramref name="row"/>'s value, boxed (null for null): for keys compared across rows.</summary>
    public abstract object? Get(int row);

    /// <summary>
    /// <paramref name="rows"/> without those whose value a later row of them repeats (nulls count as one value), in
    /// order; <paramref name="rows"/> itself when no value repeats. Compares the typed values: no box per row.
    /// </summary>
    public abstract List<int> LastPerValue(List<int> rows);

    /// <summary>The rows at the positions <paramref name="last"/> and <paramref name="lastNull"/> (-1: none) hold, in order; <paramref name="rows"/> when that is all of them.</summary>
    protected static List<int> Kept(List<int> rows, IEnumerable<int> last, int lastNull)
    {
        var positions = new List<int>(last);
        if (lastNull >= 0)
        {
            positions.Add(lastNull);
        }

        if (positions.Count == rows.Count)
        {
            return rows;
        }

        positions.Sort();
        return positions.ConvertAll(i => rows[i]);
    }

    /// <summary>Encodes row <paramref name="row"/>'s value into a binary COPY.</summary>
    public abstract void Encode(BinaryCopyWriter writer, int row);

    /// <summary>
    /// The values of <paramref name="rows"/> as one typed array parameter for <c>unnest</c>: of the plain element type
    /// when none is null (Npgsql writes those fastest, as a hand-written loader would), else of its nullable form. A
    /// generic parameter: an untyped one has Npgsql resolve its converter from the object, element by element.
    /// </summary>
    public abstract Npgsql.NpgsqlParameter ToArrayParameter(IReadOnlyList<int> rows);

    /// <summary>The <c>unnest</c> parameter of <paramref name="array"/>.</summary>
    protected Npgsql.NpgsqlParameter ArrayParameter<TArray>(TArray array)
        => new Npgsql.NpgsqlParameter<TArray> { TypedValue = array, NpgsqlDbType = NpgsqlDbType.Array | Type.DbType };

    protected bool AnyNull(IReadOnlyList<int> rows)
    {
        foreach (var row in rows)
        {
            if (_nulls[row])
            {
                return true;
            }
        }

        return false;
    }

    protected abstract void Grow(int capacity);

    protected abstract void SetValue(int row, object value);

    /// <summary>Stores the commonest values (JSON numbers into numeric and timestamp columns) without the boxed intermediate <see cref="PgType.ToColumn"/> makes; false for the rest.</summary>
    protected virtual bool TrySetDirect(int row, object value) => false;

    /// <summary>Stores a JSON integer as <see cref="TrySetDirect"/> stores it boxed; false when only <see cref="PgType.ToColumn"/> can.</summary>
    protected virtual bool TrySetInt64(int row, long value) => false;

    /// <summary>Stores a JSON number into a double column; false when only <see cref="PgType.ToColumn"/> can.</summary>
    protected virtual bool TrySetDouble(int row, double value) => false;

    /// <summary>Stores a JSON string's UTF-8 bytes into a text column; false for the other columns.</summary>
    protected virtual bool TryStoreUtf8(int row, ReadOnlySpan<byte> utf8) => false;

    // The epoch milliseconds a DateTime holds.
    private const long MinEpochMs = -62_135_596_800_000;
    private const long MaxEpochMs = 253_402_300_799_999;

    private sealed class StructColumn<T>(PgType type) : ColumnBuffer(type)
        where T : struct
    {
        private T[] _values = new T[256];

        public override object? Get(int row) => IsNull(row) ? null : _values[row];

        public override List<int> LastPerValue(List<int> rows)
        {
            var last = new Dictionary<T, int>(rows.Count);
            var lastNull = -1;
            for (var i = 0; i < rows.Count; i++)
            {
                if (IsNull(rows[i]))
                {
                    lastNull = i;
                }
                else
                {
                    last[_values[rows[i]]] = i;
                }
            }

            return Kept(rows, last.Values, lastNull);
        }

        // typeof(T) tests are constants for each instantiation: the JIT keeps only the line of this column's type.
        public override void Encode(BinaryCopyWriter writer, int row)
        {
            if (IsNull(row))
            {
                writer.WriteNull();
                return;
            }

            ref var value = ref _values[row];
            if (typeof(T) == typeof(bool))
            {
                writer.WriteBool(Unsafe.As<T, bool>(ref value));
            }
            else if (typeof(T) == typeof(short))
            {
                writer.WriteInt16(Unsafe.As<T, short>(ref value));
            }
            else if (typeof(T) == typeof(int))
            {
                writer.WriteInt32(Unsafe.As<T, int>(ref value));
            }
            else if (typeof(T) == typeof(long))
            {
                writer.WriteInt64(Unsafe.As<T, long>(ref value));
            }
            else if (typeof(T) == typeof(float))
            {
                writer.WriteFloat(Unsafe.As<T, float>(ref value));
            }
            else if (typeof(T) == typeof(double))
            {
                writer.WriteDouble(Unsafe.As<T, double>(ref value));
            }
            else if (typeof(T) == typeof(decimal))
            {
                writer.WriteNumeric(Unsafe.As<T, decimal>(ref value));
            }
            else if (typeof(T) == typeof(DateTime))
            {
                writer.WriteTimestamp(Unsafe.As<T, DateTime>(ref value));
            }
            else if (typeof(T) == typeof(DateOnly))
            {
                writer.WriteDate(Unsafe.As<T, DateOnly>(ref value));
            }
            else if (typeof(T) == typeof(TimeSpan))
            {
                writer.WriteTime(Unsafe.As<T, TimeSpan>(ref value));
            }
            else
            {
                writer.WriteUuid(Unsafe.As<T, Guid>(ref value));
            }
        }

        public override Npgsql.NpgsqlParameter ToArrayParameter(IReadOnlyList<int> rows)
        {
            if (AnyNull(rows))
            {
                var nullable = new T?[rows.Count];
                for (var i = 0; i < nullable.Length; i++)
                {
                    nullable[i] = IsNull(rows[i]) ? null : _values[rows[i]];
                }

                return ArrayParameter(nullable);
            }

            var array = new T[rows.Count];
            for (var i = 0; i < array.Length; i++)
            {
                array[i] = _values[rows[i]];
            }

            return ArrayParameter(array);
        }

        protected override void Grow(int capacity) => Array.Resize(ref _values, capacity);

        protected override void SetValue(int row, object value) => _values[row] = (T)value;

        // typeof(T) tests are constants for each instantiation: the JIT keeps only the branch of this column's type.
        protected override bool TrySetDirect(int row, object value)
        {
            if (value is T same && (typeof(T) != typeof(DateTime) || Type.DbType == NpgsqlDbType.TimestampTz && ((DateTime)(object)same).Kind == DateTimeKind.Utc))
            {
                _values[row] = same;
                return true;
            }

            return value is long number && TrySetInt64(row, number);
        }

        protected override bool TrySetInt64(int row, long value)
        {
            if (typeof(T) == typeof(long))
            {
                _values[row] = Unsafe.As<long, T>(ref value);
                return true;
            }

            if (typeof(T) == typeof(int) && value is >= int.MinValue and <= int.MaxValue)
            {
                var narrow = (int)value;
                _values[row] = Unsafe.As<int, T>(ref narrow);
                return true;
            }

            if (typeof(T) == typeof(double))
            {
                var real = (double)value;
                _values[row] = Unsafe.As<double, T>(ref real);
                return true;
            }

            if (typeof(T) == typeof(DateTime) && Type.DbType == NpgsqlDbType.TimestampTz && value is >= MinEpochMs and <= MaxEpochMs)
            {
                // Epoch milliseconds, as PgType.ToColumn reads a number for a timestamp (which names the column when it is out of range).
                var at = DateTime.UnixEpoch.AddMilliseconds(value);
                _values[row] = Unsafe.As<DateTime, T>(ref at);
                return true;
            }

            return false;
        }

        protected override bool TrySetDouble(int row, double value)
        {
            if (typeof(T) == typeof(double))
            {
                _values[row] = Unsafe.As<double, T>(ref value);
                return true;
            }

            return false;
        }
    }

    private sealed class ClassColumn<T>(PgType type) : ColumnBuffer(type)
        where T : class
    {
        private T?[] _values = new T?[256];

        // Byte arrays (bytea keys) compare by content, as the database compares them.
        private static readonly IEqualityComparer<T> Equality = typeof(T) == typeof(byte[])
            ? (IEqualityComparer<T>)(object)EqualityComparer<byte[]>.Create(static (a, b) => a.AsSpan().SequenceEqual(b), static a => BytesHash(a!))
            : EqualityComparer<T>.Default;

        public override object? Get(int row) => IsNull(row) ? null : _values[row];

        public override List<int> LastPerValue(List<int> rows)
        {
            var last = new Dictionary<T, int>(rows.Count, Equality);
            var lastNull = -1;
            for (var i = 0; i < rows.Count; i++)
            {
                if (IsNull(rows[i]))
                {
                    lastNull = i;
                }
                else
                {
                    last[_values[rows[i]]!] = i;
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
                writer.WriteBytes((byte[])(object)_values[row]!);
            }
        }

        private static int BytesHash(byte[] bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }

        public override Npgsql.NpgsqlParameter ToArrayParameter(IReadOnlyList<int> rows)
        {
            var array = new T?[rows.Count];
            for (var i = 0; i < array.Length; i++)
            {
                array[i] = IsNull(rows[i]) ? null : _values[rows[i]];
            }

            return ArrayParameter(array);
        }

        public override void Release(int rows) => Array.Clear(_values, 0, Math.Min(rows, _values.Length));

        protected override void Grow(int capacity) => Array.Resize(ref _values, capacity);

        protected override void SetValue(int row, object value) => _values[row] = (T)value;
    }
}
