using Platform.Client.Serialization;
using Platform.Streams.Dsl.Internal.Joins;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Joins;

public class JoinSerdeTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "t");

    [Fact]
    public void SubscriptionWrapperSerde_RoundTrip_KeepsHashInstructionAndKey()
    {
        var serde = new SubscriptionWrapperSerde<string>(() => Serdes.String, "t-pk");
        var hash = ValueHash.Of([1, 2, 3]);
        var wrapper = new SubscriptionWrapper<string>(hash, SubscriptionInstruction.PropagateNullIfNoForeignValueAvailable, "order-1");

        var bytes = serde.Serialize(wrapper, Context)!;
        var back = serde.Deserialize(bytes, false, Context);

        Assert.Equal(0, bytes[0]);
        Assert.Equal(3, bytes[1]);
        Assert.Equal(wrapper, back);
    }

    [Fact]
    public void SubscriptionWrapperSerde_NoHash_SetsTheTopBitAndOmitsTheHash()
    {
        var serde = new SubscriptionWrapperSerde<string>(() => Serdes.String, "t-pk");
        var wrapper = new SubscriptionWrapper<string>(null, SubscriptionInstruction.DeleteKeyAndPropagate, "k");

        var bytes = serde.Serialize(wrapper, Context)!;

        Assert.Equal(0x80, bytes[0]);
        Assert.Equal(3, bytes.Length);
        Assert.Equal(wrapper, serde.Deserialize(bytes, false, Context));
    }

    [Fact]
    public void SubscriptionResponseWrapperSerde_RoundTrip_KeepsAbsentAndPresentValues()
    {
        var serde = new SubscriptionResponseWrapperSerde<long>(() => Serdes.Int64);
        var present = new SubscriptionResponseWrapper<long>(ValueHash.Of([9]), true, 0);
        var absent = new SubscriptionResponseWrapper<long>(null, false, 0);

        Assert.Equal(present, serde.Deserialize(serde.Serialize(present, Context), false, Context));
        Assert.Equal(absent, serde.Deserialize(serde.Serialize(absent, Context), false, Context));
    }

    [Fact]
    public void CombinedKeySchema_KeysOfOneForeignKey_ShareItsPrefix()
    {
        var schema = new CombinedKeySchema<string, string>(Serdes.String, "t-fk", Serdes.String, "t-pk");

        var key = schema.ToBytes("customer-1", "order-7");
        var prefix = schema.PrefixBytes("customer-1");
        var otherPrefix = schema.PrefixBytes("customer-10");

        Assert.True(key.Value.AsSpan().StartsWith(prefix.Value));
        Assert.False(key.Value.AsSpan().StartsWith(otherPrefix.Value));
        Assert.Equal("order-7", schema.PrimaryKeyOf(key));
    }

    [Fact]
    public void TimestampedKeyAndJoinSideSerde_Order_IsByTimestampThenSide()
    {
        var serde = new TimestampedKeyAndJoinSideSerde<string>(Serdes.String);
        var early = new State.Bytes(serde.Serialize(new TimestampedKeyAndJoinSide<string>(5, true, "z"), Context)!);
        var laterRight = new State.Bytes(serde.Serialize(new TimestampedKeyAndJoinSide<string>(300, false, "a"), Context)!);
        var laterLeft = new State.Bytes(serde.Serialize(new TimestampedKeyAndJoinSide<string>(300, true, "a"), Context)!);

        Assert.True(early < laterRight);
        Assert.True(laterRight < laterLeft);
        Assert.Equal(new TimestampedKeyAndJoinSide<string>(300, true, "a"), serde.Deserialize(laterLeft.Value, false, Context));
    }

    [Fact]
    public void LeftOrRightValuesSerde_RoundTrip_KeepsSidesAndOrder()
    {
        var serde = new LeftOrRightValuesSerde<string, long>(Serdes.String, Serdes.Int64);
        IReadOnlyList<LeftOrRightValue<string, long>> values = [LeftOrRightValue<string, long>.MakeLeft("a"), LeftOrRightValue<string, long>.MakeRight(42), LeftOrRightValue<string, long>.MakeLeft("b")];

        var back = serde.Deserialize(serde.Serialize(values, Context), false, Context);

        Assert.Equal(values, back);
    }

    [Fact]
    public void Murmur3_ReferenceVector_MatchesMurmurHash3X64128()
    {
        // The reference implementation's hash of "hell" with seed 0 (a tail shorter than a block).
        var (high, low) = Murmur3.Hash128("hell"u8, 0);

        Assert.Equal(0x629942693e10f867L, high);
        Assert.Equal(unchecked((long)0x92db0b82baeb5347UL), low);
    }

    [Fact]
    public void Murmur3_DifferentInputs_DifferentHashes_SameInputSameHash()
    {
        var a = Murmur3.Hash128("order-1|customer-1"u8);
        var b = Murmur3.Hash128("order-1|customer-2"u8);

        Assert.Equal(a, Murmur3.Hash128("order-1|customer-1"u8));
        Assert.NotEqual(a, b);
        Assert.NotEqual(Murmur3.Hash128([]), Murmur3.Hash128([0]));
    }
}
