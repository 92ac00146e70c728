using Platform.Protocol;

namespace Platform.Broker.Groups.Records;

/// <summary>
/// Value of a group's metadata record: <c>int16 version</c> then <c>protocolType string,
/// generation int32, protocol nullable string, leader nullable string, currentStateTimestamp int64
/// (v2+), members [memberId, groupInstanceId (v3+), clientId, clientHost, rebalanceTimeout (v1+),
/// sessionTimeout, subscription bytes, assignment bytes]</c>; v4 is the flexible encoding of v3.
/// Written as v3.
/// </summary>
internal sealed record GroupMetadataValue(
    string ProtocolType,
    int Generation,
    string? Protocol,
    string? Leader,
    long CurrentStateTimestamp,
    IReadOnlyList<GroupMetadataValue.MemberMetadata> Members)
{
    public const short WriteVersion = 3;

    internal sealed record MemberMetadata(
        string MemberId,
        string? GroupInstanceId,
        string ClientId,
        string ClientHost,
        int RebalanceTimeout,
        int SessionTimeout,
        byte[] Subscription,
        byte[] Assignment);

    public byte[] Serialize()
    {
        using var writer = new KafkaWriter(256);
        writer.WriteInt16(WriteVersion);
        writer.WriteString(ProtocolType, compact: false);
        writer.WriteInt32(Generation);
        writer.WriteNullableString(Protocol, compact: false);
        writer.WriteNullableString(Leader, compact: false);
        writer.WriteInt64(CurrentStateTimestamp);
        writer.WriteArrayLength(Members.Count, compact: false);
        foreach (var member in Members)
        {
            writer.WriteString(member.MemberId, compact: false);
            writer.WriteNullableString(member.GroupInstanceId, compact: false);
            writer.WriteString(member.ClientId, compact: false);
            writer.WriteString(member.ClientHost, compact: false);
            writer.WriteInt32(member.RebalanceTimeout);
            writer.WriteInt32(member.SessionTimeout);
            writer.WriteBytes(member.Subscription, compact: false);
            writer.WriteBytes(member.Assignment, compact: false);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <exception cref="ProtocolException">Unknown version or malformed bytes.</exception>
    public static GroupMetadataValue Deserialize(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        var version = reader.ReadInt16();
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"Unknown GroupMetadataValue version {version}.");
        }

        var compact = version >= 4;
        var protocolType = reader.ReadString(compact);
        var generation = reader.ReadInt32();
        var protocol = reader.ReadNullableString(compact);
        var leader = reader.ReadNullableString(compact);
        var timestamp = version >= 2 ? reader.ReadInt64() : -1;
        var count = reader.ReadArrayLength(compact);
        var members = new List<MemberMetadata>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            var memberId = reader.ReadString(compact);
            var instanceId = version >= 3 ? reader.ReadNullableString(compact) : null;
            var clientId = reader.ReadString(compact);
            var clientHost = reader.ReadString(compact);
            var rebalanceTimeout = version >= 1 ? reader.ReadInt32() : -1;
            var sessionTimeout = reader.ReadInt32();
            var subscription = reader.ReadBytes(compact);
            var assignment = reader.ReadBytes(compact);
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            members.Add(new MemberMetadata(memberId, instanceId, clientId, clientHost, rebalanceTimeout >= 0 ? rebalanceTimeout : sessionTimeout, sessionTimeout, subscription, assignment));
        }

        if (compact)
        {
            reader.SkipTaggedFields();
        }

        return new GroupMetadataValue(protocolType, generation, protocol, leader, timestamp, members);
    }
}
