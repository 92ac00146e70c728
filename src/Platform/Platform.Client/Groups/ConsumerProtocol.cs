using Platform.Protocol;
using Platform.Protocol.Messages;
using WireAssignment = Platform.Protocol.Messages.ConsumerProtocolAssignment;
using WireSubscription = Platform.Protocol.Messages.ConsumerProtocolSubscription;

namespace Platform.Client.Groups;

/// <summary>
/// The consumer protocol carried opaquely in JoinGroup metadata and SyncGroup assignments:
/// an int16 version followed by <c>ConsumerProtocolSubscription</c> or <c>ConsumerProtocolAssignment</c>.
/// Newer versions only append fields, so bytes of a version above the highest known are read with
/// the highest known (as Kafka does) and the rest is ignored.
/// </summary>
public static class ConsumerProtocol
{
    /// <summary>The <c>protocol_type</c> of consumer groups in JoinGroup.</summary>
    public const string ProtocolType = "consumer";

    /// <summary>The subscription version this client sends: owned partitions, generation and rack.</summary>
    public const short SubscriptionVersion = WireSubscription.HighestSupportedVersion;

    /// <summary>The assignment version this client sends.</summary>
    public const short AssignmentVersion = WireAssignment.HighestSupportedVersion;

    /// <summary>Encodes a subscription at <paramref name="version"/> (0-3).</summary>
    public static byte[] EncodeSubscription(MemberSubscription subscription, short version = SubscriptionVersion)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, WireSubscription.HighestSupportedVersion);
        var wire = new WireSubscription
        {
            Topics = [.. subscription.Topics],
            UserData = subscription.UserData,
            OwnedPartitions = version >= 1
                ? [.. subscription.OwnedPartitions.GroupBy(p => p.Topic).Select(t => new WireSubscription.TopicPartition
                {
                    Topic = t.Key,
                    Partitions = [.. t.Select(p => p.Partition)],
                })]
                : [],
            GenerationId = subscription.GenerationId,
            RackId = subscription.RackId,
        };
        return Encode(wire, version);
    }

    /// <summary>Decodes a subscription of any version.</summary>
    /// <exception cref="KafkaException"><see cref="ErrorCode.InconsistentGroupProtocol"/> when the bytes are not a consumer subscription.</exception>
    public static MemberSubscription DecodeSubscription(ReadOnlyMemory<byte> bytes)
    {
        var (wire, version) = Decode<WireSubscription>(bytes, WireSubscription.HighestSupportedVersion, "subscription");
        return new MemberSubscription(
            wire.Topics,
            [.. wire.OwnedPartitions.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p)))],
            version >= 2 ? wire.GenerationId : -1,
            wire.UserData,
            wire.RackId);
    }

    /// <summary>Encodes an assignment at <paramref name="version"/> (0-3; the fields are the same in all).</summary>
    public static byte[] EncodeAssignment(MemberAssignment assignment, short version = AssignmentVersion)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, WireAssignment.HighestSupportedVersion);
        var wire = new WireAssignment
        {
            AssignedPartitions = [.. assignment.Partitions.GroupBy(p => p.Topic).Select(t => new WireAssignment.TopicPartition
            {
                Topic = t.Key,
                Partitions = [.. t.Select(p => p.Partition)],
            })],
            UserData = assignment.UserData,
        };
        return Encode(wire, version);
    }

    /// <summary>Decodes an assignment of any version; empty bytes (a member left out) decode as an empty assignment.</summary>
    /// <exception cref="KafkaException"><see cref="ErrorCode.InconsistentGroupProtocol"/> when the bytes are not a consumer assignment.</exception>
    public static MemberAssignment DecodeAssignment(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return MemberAssignment.Empty;
        }

        var (wire, _) = Decode<WireAssignment>(bytes, WireAssignment.HighestSupportedVersion, "assignment");
        return new MemberAssignment(
            [.. wire.AssignedPartitions.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p)))],
            wire.UserData);
    }

    private static byte[] Encode(IKafkaMessage message, short version)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt16(version);
        message.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }

    private static (T Message, short Version) Decode<T>(ReadOnlyMemory<byte> bytes, short highest, string what)
        where T : IKafkaMessage, new()
    {
        try
        {
            var reader = new KafkaReader(bytes);
            var version = reader.ReadInt16();
            if (version < 0)
            {
                throw new ProtocolException($"negative version {version}");
            }

            var message = new T();
            message.Read(ref reader, Math.Min(version, highest));
            return (message, version);
        }
        catch (ProtocolException ex)
        {
            throw new KafkaException(new Error(ErrorCode.InconsistentGroupProtocol, $"Malformed consumer protocol {what}: {ex.Message}"), ex);
        }
    }
}
