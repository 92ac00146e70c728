using System.Globalization;

namespace Platform.Client;

/// <summary>
/// A position in a partition: an offset, or one of the special values <see cref="Beginning"/>,
/// <see cref="End"/>, <see cref="Stored"/> and <see cref="Unset"/> (librdkafka's numbers).
/// Converts implicitly from and to <see cref="long"/>.
/// </summary>
/// <param name="Value">The offset, or a special (negative) value.</param>
public readonly record struct Offset(long Value) : IComparable<Offset>
{
    /// <summary>The first offset still in the log.</summary>
    public static readonly Offset Beginning = new(-2);

    /// <summary>The end of the log: the next record produced.</summary>
    public static readonly Offset End = new(-1);

    /// <summary>The group's committed offset (consumer groups; until then like <see cref="Unset"/>).</summary>
    public static readonly Offset Stored = new(-1000);

    /// <summary>No offset: <c>auto.offset.reset</c> decides.</summary>
    public static readonly Offset Unset = new(-1001);

    /// <summary>Whether this is one of the special values rather than an offset.</summary>
    public bool IsSpecial => Value < 0;

    /// <summary>Converts an offset number.</summary>
    public static implicit operator Offset(long value) => new(value);

    /// <summary>The offset number (or the special value's number).</summary>
    public static implicit operator long(Offset offset) => offset.Value;

    /// <summary>Converts an offset number.</summary>
    public static Offset FromInt64(long value) => new(value);

    /// <summary>The offset number.</summary>
    public long ToInt64() => Value;

    /// <inheritdoc />
    public int CompareTo(Offset other) => Value.CompareTo(other.Value);

    /// <summary>Orders offsets by value.</summary>
    public static bool operator <(Offset left, Offset right) => left.Value < right.Value;

    /// <summary>Orders offsets by value.</summary>
    public static bool operator >(Offset left, Offset right) => left.Value > right.Value;

    /// <summary>Orders offsets by value.</summary>
    public static bool operator <=(Offset left, Offset right) => left.Value <= right.Value;

    /// <summary>Orders offsets by value.</summary>
    public static bool operator >=(Offset left, Offset right) => left.Value >= right.Value;

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        -2 => "Beginning",
        -1 => "End",
        -1000 => "Stored",
        -1001 => "Unset",
        _ => Value.ToString(CultureInfo.InvariantCulture),
    };
}
