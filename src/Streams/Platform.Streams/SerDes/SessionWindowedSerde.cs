using System.Buffers.Binary;
using Platform.Client.Serialization;
using Platform.Streams.State;

namespace Platform.Streams.SerDes;

/// <summary>
/// Serde of session-windowed keys in Kafka Streams' layout (<c>SessionKeySchema</c>): the inner key's bytes,
/// then the session end, then the session start, each an 8-byte big-endian integer.
/// </summary>
public sealed class SessionWindowedSerde<T> : ISerde<Windowed<T>>
{
    private const int SuffixLength = 2 * sizeof(long);
    private readonly ISerde<T> _inner;

    /// <summary>A serde around <paramref name="inner"/>.</summary>
    public SessionWindowedSerde(ISerde<T> inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc/>
    public byte[]? Serialize(Windowed<T> data, SerializationContext context)
    {
        var key = _inner.Serialize(data.Key, context)
            ?? throw new ArgumentException("The key of a session-windowed key serialized to null: windowed keys need a key.", nameof(data));
        return SessionKeyBytes(key, data.Window);
    }

    /// <inheritdoc/>
    public Windowed<T> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull || data.Length < SuffixLength)
        {
            throw new FormatException($"A session-windowed key needs at least {SuffixLength} bytes (end and start); got {(isNull ? "null" : data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}.");
        }

        var (keyLength, window) = ReadWindow(data);
        return new Windowed<T>(_inner.Deserialize(data[..keyLength], false, context), window);
    }

    /// <summary>Key bytes + end + start: the layout of session keys on topics and in session stores' changelogs.</summary>
    internal static byte[] SessionKeyBytes(ReadOnlySpan<byte> key, Window window)
    {
        var bytes = new byte[key.Length + SuffixLength];
        key.CopyTo(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(key.Length), window.EndMs);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(key.Length + sizeof(long)), window.StartMs);
        return bytes;
    }

    /// <summary>The key's length and the window of session key bytes.</summary>
    /// <exception cref="FormatException">Shorter than the 16-byte suffix.</exception>
    internal static (int KeyLength, Window Window) ReadWindow(ReadOnlySpan<byte> data)
    {
        if (data.Length < SuffixLength)
        {
            throw new FormatException($"A session key needs at least {SuffixLength} bytes; got {data.Length}.");
        }

        var keyLength = data.Length - SuffixLength;
        var end = BinaryPrimitives.ReadInt64BigEndian(data[keyLength..]);
        var start = BinaryPrimitives.ReadInt64BigEndian(data[(keyLength + sizeof(long))..]);
        return (keyLength, new Window(start, end));
    }
}
