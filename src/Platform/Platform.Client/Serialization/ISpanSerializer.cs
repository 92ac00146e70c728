namespace Platform.Client.Serialization;

/// <summary>
/// Implemented by the built-in serializers next to <see cref="ISerializer{T}"/>: writes straight into
/// the producer's scratch buffer, so a string or number is serialized once into the batch without
/// an intermediate array.
/// </summary>
internal interface ISpanSerializer<in T>
{
    /// <summary>An upper bound of the bytes <see cref="Write"/> needs, or -1 for a null on the wire.</summary>
    int MaxSize(T data);

    /// <summary>Writes <paramref name="data"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    int Write(T data, Span<byte> destination);
}
