using Platform.Protocol;

namespace Platform.Broker.Groups.Records;

/// <summary>Key of a group's metadata record in <c>__consumer_offsets</c>: <c>int16 version (2), string group</c>.</summary>
internal sealed record GroupMetadataKey(string Group)
{
    public const short Version = 2;

    public byte[] Serialize()
    {
        using var writer = new KafkaWriter(32);
        writer.WriteInt16(Version);
        writer.WriteString(Group, compact: false);
        return writer.WrittenSpan.ToArray();
    }

    public static GroupMetadataKey Read(ref KafkaReader reader) => new(reader.ReadString(compact: false));
}
