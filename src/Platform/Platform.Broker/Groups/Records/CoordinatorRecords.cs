using Platform.Protocol;

namespace Platform.Broker.Groups.Records;

/// <summary>Tells the two kinds of <c>__consumer_offsets</c> keys apart by their leading version.</summary>
internal static class CoordinatorRecords
{
    /// <summary>Parses a key: an <see cref="OffsetCommitKey"/> (versions 0-1), a <see cref="GroupMetadataKey"/> (2), or null for kinds this broker does not keep (newer coordinators' records).</summary>
    /// <exception cref="ProtocolException">Malformed bytes.</exception>
    public static object? ReadKey(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        return reader.ReadInt16() switch
        {
            0 or 1 => OffsetCommitKey.Read(ref reader),
            2 => GroupMetadataKey.Read(ref reader),
            _ => null,
        };
    }
}
