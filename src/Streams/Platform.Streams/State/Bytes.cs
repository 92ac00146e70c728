namespace Platform.Streams.State;

/// <summary>
/// An immutable byte array with value equality and unsigned lexicographic order: the key type of the byte
/// stores under every typed store, so ranges follow the serialized keys' order as in Kafka Streams.
/// </summary>
public sealed class Bytes : IEquatable<Bytes>, IComparable<Bytes>
{
    private int _hash;

    /// <summary>Wraps <paramref name="value"/> (not copied: do not change it afterwards).</summary>
    public Bytes(byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    /// <summary>The bytes.</summary>
    public byte[] Value { get; }

    /// <summary>Wraps a copy of <paramref name="value"/>.</summary>
    public static Bytes Copy(ReadOnlySpan<byte> value) => new(value.ToArray());

    /// <inheritdoc/>
    public bool Equals(Bytes? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Bytes other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            _hash = Hash(Value);
        }

        return _hash;
    }

    /// <summary>The hash code of a <see cref="Bytes"/> holding <paramref name="value"/>.</summary>
    internal static int Hash(ReadOnlySpan<byte> value)
    {
        var hash = new HashCode();
        hash.AddBytes(value);
        return hash.ToHashCode() | 1;
    }

    /// <inheritdoc/>
    public int CompareTo(Bytes? other) => other is null ? 1 : Value.AsSpan().SequenceCompareTo(other.Value);

    /// <summary>Unsigned lexicographic order.</summary>
    public static bool operator <(Bytes left, Bytes right) => left is null ? right is not null : left.CompareTo(right) < 0;

    /// <summary>Unsigned lexicographic order.</summary>
    public static bool operator >(Bytes left, Bytes right) => left is not null && left.CompareTo(right) > 0;

    /// <summary>Unsigned lexicographic order.</summary>
    public static bool operator <=(Bytes left, Bytes right) => left is null || left.CompareTo(right) <= 0;

    /// <summary>Unsigned lexicographic order.</summary>
    public static bool operator >=(Bytes left, Bytes right) => left is null ? right is null : left.CompareTo(right) >= 0;

    /// <summary>Value equality.</summary>
    public static bool operator ==(Bytes? left, Bytes? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Bytes? left, Bytes? right) => !(left == right);

    /// <inheritdoc/>
    public override string ToString() => Convert.ToHexString(Value);
}
