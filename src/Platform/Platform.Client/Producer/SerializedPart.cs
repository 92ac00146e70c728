namespace Platform.Client.Producer;

/// <summary>
/// A serialized key or value on its way into a batch: a slice of an array, or null. Not nested in the generic
/// producer: over reference types the producer's code is shared, and every use of a type nested there (its
/// static <see cref="Null"/>, its methods) would look the exact type up at run time, per record.
/// </summary>
internal readonly record struct SerializedPart(byte[]? Array, int Offset, int Length)
{
    public static SerializedPart Null => default;

    public bool IsNull => Array is null;

    public ReadOnlySpan<byte> Span => Array is null ? default : Array.AsSpan(Offset, Length);

    public static SerializedPart From(byte[]? bytes) => bytes is null ? default : new(bytes, 0, bytes.Length);
}
