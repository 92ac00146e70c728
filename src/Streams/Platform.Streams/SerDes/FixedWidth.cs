using Platform.Client.Serialization;

namespace Platform.Streams.SerDes;

/// <summary>The length check shared by the fixed-width number serdes.</summary>
internal static class FixedWidth
{
    public static void Require(ReadOnlySpan<byte> data, bool isNull, int length, string type, SerializationContext context)
    {
        if (isNull || data.Length != length)
        {
            var where = string.IsNullOrEmpty(context.Topic) ? "" : $" ({context.Component} of topic '{context.Topic}')";
            throw new InvalidDataException(isNull
                ? $"Cannot deserialize a null to {type}{where}."
                : $"{type} needs exactly {length} bytes, got {data.Length}{where}.");
        }
    }
}
