using Platform.Client.Serialization;
using Platform.Streams.SerDes;
using Platform.Streams.State;

namespace Platform.Streams.Tests.Engine;

public sealed class SerdesTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, "topic");

    private static T RoundTrip<T>(ISerde<T> serde, T value)
    {
        var bytes = serde.Serialize(value, Context);
        return serde.Deserialize(bytes, bytes is null, Context);
    }

    [Fact]
    public void BuiltIns_RoundTrip_GiveTheValueBack()
    {
        Assert.Equal("héllo", RoundTrip(Serdes.String, "héllo"));
        Assert.Equal([1, 2, 3], RoundTrip(Serdes.ByteArray, [1, 2, 3]));
        Assert.Equal(new Bytes([9, 8]), RoundTrip(Serdes.Bytes, new Bytes([9, 8])));
        Assert.Equal(-42, RoundTrip(Serdes.Int32, -42));
        Assert.Equal(long.MinValue, RoundTrip(Serdes.Int64, long.MinValue));
        Assert.Equal(2.5, RoundTrip(Serdes.Double, 2.5));
        Assert.Null(RoundTrip(Serdes.Void, null));
        Assert.Null(RoundTrip(Serdes.String, null!));
    }

    [Fact]
    public void Numbers_UseJavasBigEndianLayout()
    {
        Assert.Equal([0, 0, 1, 2], Serdes.Int32.Serialize(258, Context));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 7], Serdes.Int64.Serialize(7, Context));
    }

    [Fact]
    public void Int64_WrongLength_ThrowsNamingTheTopic()
    {
        var error = Assert.Throws<InvalidDataException>(() => Serdes.Int64.Deserialize(new byte[3], false, Context));

        Assert.Contains("'topic'", error.Message, StringComparison.Ordinal);
        Assert.Contains("8 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_Record_RoundTripsAndRejectsGarbageWithTheType()
    {
        var serde = Serdes.Json<Order>();

        Assert.Equal(new Order("o1", 3), RoundTrip(serde, new Order("o1", 3)));
        Assert.Null(RoundTrip(serde, null!));
        var error = Assert.Throws<InvalidDataException>(() => serde.Deserialize("{nope"u8, false, Context));
        Assert.Contains("Order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Void_Bytes_Throws()
        => Assert.Throws<InvalidDataException>(() => Serdes.Void.Deserialize(new byte[1], false, Context));

    [Theory]
    [InlineData("String", typeof(StringSerde))]
    [InlineData("org.apache.kafka.common.serialization.Serdes$LongSerde", typeof(Int64Serde))]
    [InlineData("Integer", typeof(Int32Serde))]
    [InlineData("Platform.Streams.SerDes.DoubleSerde", typeof(DoubleSerde))]
    public void ByName_KnownName_GivesTheSerde(string name, Type expected)
        => Assert.IsType(expected, Serdes.ByName(name));

    [Fact]
    public void ByName_Unknown_GivesNull() => Assert.Null(Serdes.ByName("Nope"));

    private sealed record Order(string Id, int Quantity);
}
