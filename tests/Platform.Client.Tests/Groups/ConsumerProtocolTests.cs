using Platform.Client.Groups;
using Platform.Protocol;

namespace Platform.Client.Tests.Groups;

/// <summary>The consumer protocol bytes carried in JoinGroup and SyncGroup.</summary>
public sealed class ConsumerProtocolTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Subscription_RoundTrips_FieldsOfItsVersion(short version)
    {
        var subscription = new MemberSubscription(["a", "b"], [new("a", 0), new("a", 2), new("b", 1)], 7, [1, 2, 3], "rack-1");

        var decoded = ConsumerProtocol.DecodeSubscription(ConsumerProtocol.EncodeSubscription(subscription, version));

        Assert.Equal(subscription.Topics, decoded.Topics);
        Assert.Equal(subscription.UserData, decoded.UserData);
        Assert.Equal(version >= 1 ? subscription.OwnedPartitions : [], decoded.OwnedPartitions);
        Assert.Equal(version >= 2 ? 7 : -1, decoded.GenerationId);
        Assert.Equal(version >= 3 ? "rack-1" : null, decoded.RackId);
    }

    [Fact]
    public void Subscription_V0_MatchesKafkaBytes()
    {
        var bytes = ConsumerProtocol.EncodeSubscription(MemberSubscription.For("t"), 0);

        // version 0, one topic "t", null user data
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 1, 0, 1, (byte)'t', 0xFF, 0xFF, 0xFF, 0xFF }, bytes);
    }

    [Fact]
    public void Subscription_NewerVersion_ReadAsHighestKnown_TrailingFieldsIgnored()
    {
        var bytes = ConsumerProtocol.EncodeSubscription(new MemberSubscription(["t"], [new("t", 1)], 4), 3);
        bytes[1] = 9;
        var extended = bytes.Concat(new byte[] { 1, 2, 3, 4 }).ToArray();

        var decoded = ConsumerProtocol.DecodeSubscription(extended);

        Assert.Equal(["t"], decoded.Topics);
        Assert.Equal([new TopicPartition("t", 1)], decoded.OwnedPartitions);
    }

    [Fact]
    public void Assignment_RoundTrips_EmptyBytesAreEmpty()
    {
        var assignment = new MemberAssignment([new("a", 3), new("b", 0)], [9]);

        var decoded = ConsumerProtocol.DecodeAssignment(ConsumerProtocol.EncodeAssignment(assignment, 0));

        Assert.Equal(assignment.Partitions, decoded.Partitions);
        Assert.Equal([9], decoded.UserData);
        Assert.Empty(ConsumerProtocol.DecodeAssignment(ReadOnlyMemory<byte>.Empty).Partitions);
    }

    [Fact]
    public void Decode_Garbage_ThrowsInconsistentGroupProtocol()
    {
        var ex = Assert.Throws<KafkaException>(() => ConsumerProtocol.DecodeSubscription(new byte[] { 0, 0, 0, 9 }));

        Assert.Equal(ErrorCode.InconsistentGroupProtocol, ex.Error.Code);
    }
}
