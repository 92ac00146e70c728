using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.State;

namespace Platform.Streams.SerDes;

/// <summary>
/// Serde of time-windowed keys in Kafka Streams' layout (<c>TimeWindowedSerializer</c>): the inner key's bytes
/// followed by the window start as an 8-byte big-endian integer. The end is not written; the deserializer
/// derives it from the window size it is given (Kafka tools read such topics with the same convention).
/// </summary>
public sealed class TimeWindowedSerde<T> : ISerde<Windowed<T>>
{
    private const int StartLength = sizeof(long);
    private readonly ISerde<T> _inner;

    /// <summary>A serde around <paramref name="inner"/> for windows of <paramref name="windowSizeMs"/> (null: the end is unknown and read as <see cref="long.MaxValue"/>, as Kafka does).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="windowSizeMs"/> is not positive.</exception>
    public TimeWindowedSerde(ISerde<T> inner, long? windowSizeMs)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (windowSizeMs is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(windowSizeMs), windowSizeMs, "windowSizeMs must be positive.");
        }

        _inner = inner;
        WindowSizeMs = windowSizeMs;
    }

    /// <summary>The window size used to derive window ends, or null.</summary>
    public long? WindowSizeMs { get; }

    /// <inheritdoc/>
    public byte[]? Serialize(Windowed<T> data, SerializationContext context)
    {
        var key = _inner.Serialize(data.Key, context)
            ?? throw new ArgumentException("The key of a windowed key serialized to null: windowed keys need a key.", nameof(data));
        var bytes = new byte[key.Length + StartLength];
        key.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(key.Length), data.Window.StartMs);
        return bytes;
    }

    /// <inheritdoc/>
    public Windowed<T> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull || data.Length < StartLength)
        {
            throw new FormatException($"A time-windowed key needs at least {StartLength} bytes (the window start); got {(isNull ? "null" : data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}.");
        }

        var keyLength = data.Length - StartLength;
        var start = BinaryPrimitives.ReadInt64BigEndian(data[keyLength..]);
        var key = _inner.Deserialize(data[..keyLength], false, context);
        return new Windowed<T>(key, new Window(start, EndOf(start, WindowSizeMs)));
    }

    /// <summary>The end of a window of <paramref name="sizeMs"/> starting at <paramref name="startMs"/>, saturating at <see cref="long.MaxValue"/>.</summary>
    internal static long EndOf(long startMs, long? sizeMs) =>
        sizeMs is { } size && startMs <= long.MaxValue - size ? startMs + size : long.MaxValue;
}
