using Platform.Protocol.Messages;

namespace Platform.Protocol.Tests.Messages;

/// <summary>Generated codecs against bytes derived by hand from the specs and the protocol guide.</summary>
public sealed class MessageBytesTests
{
    private static byte[] Write(IKafkaMessage message, short version)
    {
        using var writer = new KafkaWriter();
        message.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }

    private static T Read<T>(byte[] bytes, short version)
        where T : IKafkaMessage, new()
    {
        var message = new T();
        var reader = new KafkaReader(bytes);
        message.Read(ref reader, version);
        Assert.True(reader.End);
        return message;
    }

    [Fact]
    public void Write_ApiVersionsRequestV3_UsesCompactStringsAndEmptyTagSection()
    {
        var request = new ApiVersionsRequest { ClientSoftwareName = "abc", ClientSoftwareVersion = "1.0" };

        byte[] expected = [0x04, (byte)'a', (byte)'b', (byte)'c', 0x04, (byte)'1', (byte)'.', (byte)'0', 0x00];
        Assert.Equal(expected, Write(request, 3));
    }

    [Fact]
    public void Write_ApiVersionsRequestV0_CarriesNoFieldsAndNoTagSection()
    {
        // Both fields are ignorable, so v0 drops them silently.
        var request = new ApiVersionsRequest { ClientSoftwareName = "abc", ClientSoftwareVersion = "1.0" };

        Assert.Empty(Write(request, 0));
    }

    [Fact]
    public void Read_FlexibleMessageWithUnknownTaggedField_SkipsIt()
    {
        byte[] bytes = [0x04, (byte)'a', (byte)'b', (byte)'c', 0x01, 0x01, 0x63, 0x02, 0xAB, 0xCD];

        var request = Read<ApiVersionsRequest>(bytes, 3);

        Assert.Equal("abc", request.ClientSoftwareName);
        Assert.Equal("", request.ClientSoftwareVersion);
    }

    [Fact]
    public void Write_MetadataRequestV0_UsesInt32ArrayAndInt16Strings()
    {
        var request = new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "foo" }] };

        byte[] expected = [0, 0, 0, 1, 0, 3, (byte)'f', (byte)'o', (byte)'o'];
        Assert.Equal(expected, Write(request, 0));
    }

    [Fact]
    public void Write_MetadataRequestV9_UsesCompactEncodingAndTagSections()
    {
        var request = new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "foo" }] };

        // Topics (1 + 1), topic name (3 + 1), topic tags, AllowAutoTopicCreation (default true),
        // IncludeClusterAuthorizedOperations, IncludeTopicAuthorizedOperations, message tags.
        byte[] expected = [0x02, 0x04, (byte)'f', (byte)'o', (byte)'o', 0x00, 0x01, 0x00, 0x00, 0x00];
        Assert.Equal(expected, Write(request, 9));
    }

    [Fact]
    public void Write_MetadataRequestV0WithNullTopics_ThrowsNamingTheField()
    {
        var request = new MetadataRequest { Topics = null };

        var error = Assert.Throws<InvalidOperationException>(() => Write(request, 0));
        Assert.Contains("MetadataRequest.Topics", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MetadataRequestV1NullTopics_ReadsNull()
    {
        var request = Read<MetadataRequest>([0xFF, 0xFF, 0xFF, 0xFF], 1);

        Assert.Null(request.Topics);
    }

    [Fact]
    public void Read_MetadataRequestV0NullTopics_ThrowsProtocolException()
    {
        byte[] bytes = [0xFF, 0xFF, 0xFF, 0xFF];

        Assert.Throws<ProtocolException>(() => Read<MetadataRequest>(bytes, 0));
    }

    private static byte[] ProduceV3Bytes() =>
    [
        0xFF, 0xFF, // TransactionalId: null
        0xFF, 0xFF, // Acks: -1
        0x00, 0x00, 0x75, 0x30, // TimeoutMs: 30000
        0x00, 0x00, 0x00, 0x01, // TopicData: 1
        0x00, 0x01, (byte)'t', // Name
        0x00, 0x00, 0x00, 0x01, // PartitionData: 1
        0x00, 0x00, 0x00, 0x02, // Index
        0x00, 0x00, 0x00, 0x03, 0x0A, 0x0B, 0x0C, // Records: 3 bytes
    ];

    private static ProduceRequest ProduceV3Message() => new()
    {
        Acks = -1,
        TimeoutMs = 30000,
        TopicData =
        [
            new ProduceRequest.TopicProduceData
            {
                Name = "t",
                PartitionData = [new ProduceRequest.PartitionProduceData { Index = 2, Records = new MemoryRecords(new byte[] { 0x0A, 0x0B, 0x0C }) }],
            },
        ],
    };

    [Fact]
    public void Write_ProduceRequestV3WithRecords_MatchesHandDerivedBytes()
    {
        Assert.Equal(ProduceV3Bytes(), Write(ProduceV3Message(), 3));
    }

    [Fact]
    public void Read_ProduceRequestV3WithRecords_SlicesRecordsFromTheFrame()
    {
        var request = Read<ProduceRequest>(ProduceV3Bytes(), 3);

        Assert.Null(request.TransactionalId);
        Assert.Equal(-1, request.Acks);
        Assert.Equal(30000, request.TimeoutMs);
        var partition = Assert.Single(Assert.Single(request.TopicData).PartitionData);
        Assert.Equal(2, partition.Index);
        var records = Assert.IsType<MemoryRecords>(partition.Records);
        Assert.Equal([0x0A, 0x0B, 0x0C], records.Data.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })] // 4 GiB: over int.MaxValue
    [InlineData(new byte[] { 0x05 })] // 5 bytes, none there
    public void Read_TaggedFieldLongerThanTheMessage_ThrowsProtocolException(byte[] size)
    {
        // ApiVersions v3: two empty compact strings, then one unknown tag (7) of the given size.
        byte[] bytes = [0x01, 0x01, 0x01, 0x07, .. size];

        Assert.Throws<ProtocolException>(() => Read<ApiVersionsRequest>(bytes, 3));
    }

    /// <summary>
    /// A frame that claims 2^31 - 1 topics (classic int32 count, Produce v3) or 2^31 - 2 (compact count,
    /// Produce v9) in a dozen bytes is refused before the list is allocated: each element takes at least one byte.
    /// </summary>
    [Theory]
    [InlineData((short)3, new byte[] { 0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00, 0x75, 0x30, 0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x01 })]
    [InlineData((short)9, new byte[] { 0x00, 0x00, 0x01, 0x00, 0x00, 0x75, 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x01 })]
    public void Read_ArrayCountAboveTheBytesLeft_ThrowsProtocolExceptionWithoutAllocatingIt(short version, byte[] bytes)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<ProtocolException>(() => Read<ProduceRequest>(bytes, version));

        Assert.Contains("exceeds the 2 bytes left", error.Message, StringComparison.Ordinal);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64 * 1024);
    }

    [Fact]
    public void Read_TruncatedInput_ThrowsProtocolException()
    {
        var bytes = ProduceV3Bytes();

        for (var length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes.AsSpan(0, length).ToArray();
            Assert.Throws<ProtocolException>(() => Read<ProduceRequest>(truncated, 3));
        }
    }

    [Fact]
    public void Write_ProduceRequestV2WithTransactionalId_ThrowsNamingTheField()
    {
        var request = ProduceV3Message();
        request.TransactionalId = "txn";

        var error = Assert.Throws<InvalidOperationException>(() => Write(request, 2));
        Assert.Contains("ProduceRequest.TransactionalId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ApiVersionsResponseV3WithTaggedEpoch_WritesTagSizeAndValue()
    {
        var response = new ApiVersionsResponse { FinalizedFeaturesEpoch = 5 };

        // ErrorCode, ApiKeys (empty, compact), ThrottleTimeMs, then one tagged field: tag 1, size 8, int64.
        byte[] expected = [0, 0, 0x01, 0, 0, 0, 0, 0x01, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 5];
        Assert.Equal(expected, Write(response, 3));
        Assert.Equal(5, Read<ApiVersionsResponse>(expected, 3).FinalizedFeaturesEpoch);
    }

    [Fact]
    public void Write_ApiVersionsResponseV3WithDefaultEpoch_OmitsTheTaggedField()
    {
        byte[] expected = [0, 0, 0x01, 0, 0, 0, 0, 0x00];

        Assert.Equal(expected, Write(new ApiVersionsResponse(), 3));
    }

    [Fact]
    public void Write_RequestHeaderV2_KeepsClientIdAsInt16String()
    {
        var header = new RequestHeader { RequestApiKey = 18, RequestApiVersion = 3, CorrelationId = 7, ClientId = "c" };

        byte[] expected = [0, 18, 0, 3, 0, 0, 0, 7, 0, 1, (byte)'c', 0x00];
        Assert.Equal(expected, Write(header, 2));
    }
}
