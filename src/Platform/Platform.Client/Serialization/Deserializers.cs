using System.Buffers.Binary;
using System.Text;

namespace Platform.Client.Serialization;

/// <summary>Built-in deserializers, the counterparts of <see cref="Serializers"/>.</summary>
public static class Deserializers
{
    /// <summary>UTF-8 strings; a null on the wire is null.</summary>
    public static readonly IDeserializer<string?> Utf8 = new Utf8Deserializer();

    /// <summary>A copy of the bytes; a null on the wire is null.</summary>
    public static readonly IDeserializer<byte[]?> ByteArray = new ByteArrayDeserializer();

    /// <summary>Only accepts null on the wire.</summary>
    public static readonly IDeserializer<Null?> Null = new NullDeserializer();

    /// <summary>Skips the bytes without looking at them.</summary>
    public static readonly IDeserializer<Ignore?> Ignore = new IgnoreDeserializer();

    /// <summary>4 bytes big-endian.</summary>
    public static readonly IDeserializer<int> Int32 = new Int32Deserializer();

    /// <summary>8 bytes big-endian.</summary>
    public static readonly IDeserializer<long> Int64 = new Int64Deserializer();

    /// <summary>8 bytes big-endian IEEE 754.</summary>
    public static readonly IDeserializer<double> Double = new DoubleDeserializer();

    private static void RequireLength(ReadOnlySpan<byte> data, bool isNull, int length, string type)
    {
        if (isNull || data.Length != length)
        {
            throw new InvalidDataException(isNull
                ? $"Cannot deserialize a null to {type}."
                : $"{type} needs exactly {length} bytes, got {data.Length}.");
        }
    }

    private sealed class Utf8Deserializer : IDeserializer<string?>
    {
        public string? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => isNull ? null : Encoding.UTF8.GetString(data);
    }

    private sealed class ByteArrayDeserializer : IDeserializer<byte[]?>
    {
        public byte[]? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => isNull ? null : data.ToArray();
    }

    private sealed class NullDeserializer : IDeserializer<Null?>
    {
        public Null? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => isNull ? null : throw new InvalidDataException("Expected a null key or value, got bytes.");
    }

    private sealed class IgnoreDeserializer : IDeserializer<Ignore?>
    {
        public Ignore? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => null;
    }

    private sealed class Int32Deserializer : IDeserializer<int>
    {
        public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            RequireLength(data, isNull, 4, "Int32");
            return BinaryPrimitives.ReadInt32BigEndian(data);
        }
    }

    private sealed class Int64Deserializer : IDeserializer<long>
    {
        public long Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            RequireLength(data, isNull, 8, "Int64");
            return BinaryPrimitives.ReadInt64BigEndian(data);
        }
    }

    private sealed class DoubleDeserializer : IDeserializer<double>
    {
        public double Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            RequireLength(data, isNull, 8, "Double");
            return BinaryPrimitives.ReadDoubleBigEndian(data);
        }
    }
}
