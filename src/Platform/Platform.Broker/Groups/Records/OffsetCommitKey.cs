using Platform.Protocol;

namespace Platform.Broker.Groups.Records;

/// <summary>
/// Key of a committed offset in <c>__consumer_offsets</c>: <c>int16 version (0 or 1), string group,
/// string topic, int32 partition</c>, as Kafka writes it (version 1).
/// </summary>
internal sealed record OffsetCommitKey(string Group, string Topic, int Partition)
{
    public const short Version = 1;

    public byte[] Serialize()
    {
        using var writer = new KafkaWriter(64);
        writer.WriteInt16(Version);
        writer.WriteString(Group, compact: false);
        writer.WriteString(Topic, compact: false);
        writer.WriteInt32(Partition);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the fields after the version, which <see cref="CoordinatorRecords"/> already consumed.</summary>
    public static OffsetCommitKey Read(ref KafkaReader reader)
        => new(reader.ReadString(compact: false), reader.ReadString(compact: false), reader.ReadInt32());
}
