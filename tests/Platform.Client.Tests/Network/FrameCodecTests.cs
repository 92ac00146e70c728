using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Tests.Network;

public sealed class FrameCodecTests
{
    [Theory]
    [InlineData(ApiKey.Metadata, 8, 1)]
    [InlineData(ApiKey.Metadata, 9, 2)]
    [InlineData(ApiKey.ApiVersions, 3, 2)]
    [InlineData(ApiKey.CreateTopics, 4, 1)]
    [InlineData(ApiKey.CreateTopics, 5, 2)]
    public void WriteRequest_HeaderVersionFollowsFlexibleVersions(ApiKey apiKey, short version, int headerVersion)
    {
        using var writer = new KafkaWriter();
        var request = ApiMessages.CreateRequest(apiKey);

        FrameCodec.WriteRequest(writer, request, version, correlationId: 77, clientId: "cli");

        var reader = new KafkaReader(writer.WrittenMemory);
        Assert.Equal(writer.Length - 4, reader.ReadInt32());
        Assert.Equal((short)apiKey, reader.ReadInt16());
        Assert.Equal(version, reader.ReadInt16());
        Assert.Equal(77, reader.ReadInt32());
        Assert.Equal("cli", reader.ReadNullableString(compact: false));
        if (headerVersion == 2)
        {
            Assert.Equal(0u, reader.ReadUnsignedVarInt());
        }

        var body = ApiMessages.CreateRequest(apiKey);
        body.Read(ref reader, version);
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(ApiKey.ApiVersions, 3, 0)]
    [InlineData(ApiKey.Metadata, 9, 1)]
    [InlineData(ApiKey.Metadata, 8, 0)]
    public void ResponseHeaderVersion_ApiVersionsIsAlwaysV0(ApiKey apiKey, short version, int expected)
        => Assert.Equal(expected, ApiHeaders.ResponseHeaderVersion(apiKey, version));

    [Theory]
    [InlineData("localhost:9092", "localhost", 9092)]
    [InlineData(" 10.0.0.1:1 ", "10.0.0.1", 1)]
    [InlineData("[::1]:9093", "::1", 9093)]
    public void BrokerAddress_Parse_AcceptsHostPort(string text, string host, int port)
        => Assert.Equal(new BrokerAddress(host, port), BrokerAddress.Parse(text));

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:")]
    [InlineData(":9092")]
    [InlineData("host:99999")]
    [InlineData("host:abc")]
    public void BrokerAddress_Parse_RejectsMalformed(string text)
        => Assert.Throws<FormatException>(() => BrokerAddress.Parse(text));
}
