using Platform.Protocol;

namespace Platform.Broker.Groups.Records;

/// <summary>
/// Value of a committed offset: <c>int16 version</c> then <c>offset int64, leaderEpoch int32 (v3+),
/// metadata string, commitTimestamp int64, expireTimestamp int64 (v1 only)</c>; v4 is the flexible
/// encoding of v3. Written as v3, or v1 when the commit carried an explicit retention time.
/// </summary>
internal sealed record OffsetCommitValue(long Offset, int LeaderEpoch, string Metadata, long CommitTimestamp, long? ExpireTimestamp)
{
    public byte[] Serialize()
    {
        var version = ExpireTimestamp is null ? (short)3 : (short)1;
        using var writer = new KafkaWriter(64 + (Metadata.Length * 3));
        writer.WriteInt16(version);
        writer.WriteInt64(Offset);
        if (version >= 3)
        {
            writer.WriteInt32(LeaderEpoch);
        }

        writer.WriteString(Metadata, compact: false);
        writer.WriteInt64(CommitTimestamp);
        if (version == 1)
        {
            writer.WriteInt64(ExpireTimestamp!.Value);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <exception cref="ProtocolException">Unknown version or malformed bytes.</exception>
    public static OffsetCommitValue Deserialize(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        var version = reader.ReadInt16();
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"Unknown OffsetCommitValue version {version}.");
        }

        var compact = version >= 4;
        var offset = reader.ReadInt64();
        var leaderEpoch = version >= 3 ? reader.ReadInt32() : -1;
        var metadata = reader.ReadString(compact);
        var commitTimestamp = reader.ReadInt64();
        long? expireTimestamp = version == 1 ? reader.ReadInt64() : null;
        if (compact)
        {
            reader.SkipTaggedFields();
        }

        return new OffsetCommitValue(offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp is -1 ? null : expireTimestamp);
    }
}
