using System.Buffers.Binary;
using System.Text;

namespace Platform.Client.Serialization;

/// <summary>
/// Built-in serializers with the encodings of Kafka's Java serializers: UTF-8 strings, raw bytes,
/// big-endian integers and IEEE 754 doubles, and <see cref="Null"/> for absent keys.
/// </summary>
public static class Serializers
{
    /// <summary>Strings as UTF-8; null stays null.</summary>
    public static readonly ISerializer<string?> Utf8 = new Utf8Serializer();

    /// <summary>Byte arrays as they are (no copy); null stays null.</summary>
    public static readonly ISerializer<byte[]?> ByteArray = new ByteArraySerializer();

    /// <summary>
    /// Slices of byte arrays as they are; null stays null. Written straight into the batch when the record is
    /// produced, so the caller may reuse the memory once Produce returns (the message keeps the slice for its report).
    /// </summary>
    public static readonly ISerializer<ReadOnlyMemory<byte>?> ByteMemory = new ByteMemorySerializer();

    /// <summary>Always null, for records without a key (<see cref="Null"/> type).</summary>
    public static readonly ISerializer<Null?> Null = new NullSerializer();

    /// <summary>32-bit integers, 4 bytes big-endian (Java's IntegerSerializer).</summary>
    public static readonly ISerializer<int> Int32 = new Int32Serializer();

    /// <summary>64-bit integers, 8 bytes big-endian (Java's LongSerializer).</summary>
    public static readonly ISerializer<long> Int64 = new Int64Serializer();

    /// <summary>Doubles, 8 bytes big-endian IEEE 754 (Java's DoubleSerializer).</summary>
    public static readonly ISerializer<double> Double = new DoubleSerializer();

    private sealed class Utf8Serializer : ISerializer<string?>, ISpanSerializer<string?>
    {
        public byte[]? Serialize(string? data, SerializationContext context) => data is null ? null : Encoding.UTF8.GetBytes(data);

        public int MaxSize(string? data) => data is null ? -1 : Encoding.UTF8.GetMaxByteCount(data.Length);

        public int Write(string? data, Span<byte> destination) => Encoding.UTF8.GetBytes(data, destination);
    }

    private sealed class ByteArraySerializer : ISerializer<byte[]?>
    {
        public byte[]? Serialize(byte[]? data, SerializationContext context) => data;
    }

    private sealed class ByteMemorySerializer : ISerializer<ReadOnlyMemory<byte>?>, ISpanSerializer<ReadOnlyMemory<byte>?>
    {
        public byte[]? Serialize(ReadOnlyMemory<byte>? data, SerializationContext context) => data?.ToArray();

        public int MaxSize(ReadOnlyMemory<byte>? data) => data is { } memory ? memory.Length : -1;

        public int Write(ReadOnlyMemory<byte>? data, Span<byte> destination)
        {
            var span = data!.Value.Span;
            span.CopyTo(destination);
            return span.Length;
        }
    }

    private sealed class NullSerializer : ISerializer<Null?>, ISpanSerializer<Null?>
    {
        public byte[]? Serialize(Null? data, SerializationContext context) => null;

        public int MaxSize(Null? data) => -1;

        public int Write(Null? data, Span<byte> destination) => 0;
    }

    private sealed class Int32Serializer : ISerializer<int>, ISpanSerializer<int>
    {
        public byte[]? Serialize(int data, SerializationContext context)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(bytes, data);
            return bytes;
        }

        public int MaxSize(int data) => 4;

        public int Write(int data, Span<byte> destination)
        {
            BinaryPrimitives.WriteInt32BigEndian(destination, data);
            return 4;
        }
    }

    private sealed class Int64Serializer : ISerializer<long>, ISpanSerializer<long>
    {
        public byte[]? Serialize(long data, SerializationContext context)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, data);
            return bytes;
        }

        public int MaxSize(long data) => 8;

        public int Write(long data, Span<byte> destination)
        {
            BinaryPrimitives.WriteInt64BigEndian(destination, data);
            return 8;
        }
    }

    private sealed class DoubleSerializer : ISerializer<double>, ISpanSerializer<double>
    {
        public byte[]? Serialize(double data, SerializationContext context)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(bytes, data);
            return bytes;
        }

        public int MaxSize(double data) => 8;

        public int Write(double data, Span<byte> destination)
        {
            BinaryPrimitives.WriteDoubleBigEndian(destination, data);
            return 8;
        }
    }
}
