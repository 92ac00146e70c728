namespace Platform.Streams.SerDes;

/// <summary>
/// A built-in serializer that writes into memory it is given: sinks and changelogs serialize into a reused
/// buffer (no array per record), and timestamped stores write the value after the 8-byte timestamp in one array.
/// </summary>
internal interface ISpanWriter<in T>
{
    /// <summary>The exact number of bytes <see cref="Write"/> writes for <paramref name="data"/>, or -1 when it serializes to null.</summary>
    int Size(T data);

    /// <summary>
    /// At least the bytes <see cref="Write"/> writes for <paramref name="data"/>, or -1 when it serializes to null: for
    /// a caller that only needs room to write into, where the exact size would cost a pass over the data of its own.
    /// </summary>
    int MaxSize(T data) => Size(data);

    /// <summary>Writes <paramref name="data"/> (not null on the wire) into <paramref name="destination"/>, which holds at least <see cref="Size"/> bytes; returns the bytes written.</summary>
    int Write(T data, Span<byte> destination);
}
