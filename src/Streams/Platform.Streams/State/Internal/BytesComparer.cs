namespace Platform.Streams.State.Internal;

/// <summary>
/// Equality of <see cref="Bytes"/> keys that also finds them by their content as a span, so a store can be asked
/// for a key it holds without wrapping the serialized key in a new array and <see cref="Bytes"/> first.
/// </summary>
internal sealed class BytesComparer : IEqualityComparer<Bytes>, IAlternateEqualityComparer<ReadOnlySpan<byte>, Bytes>
{
    public static readonly BytesComparer Instance = new();

    public bool Equals(Bytes? x, Bytes? y) => x == y;

    public int GetHashCode(Bytes obj) => obj.GetHashCode();

    public bool Equals(ReadOnlySpan<byte> alternate, Bytes other) => alternate.SequenceEqual(other.Value);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Bytes.Hash(alternate);

    public Bytes Create(ReadOnlySpan<byte> alternate) => Bytes.Copy(alternate);
}
