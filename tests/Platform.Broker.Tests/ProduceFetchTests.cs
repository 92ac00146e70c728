using System.Buffers.Binary;
using System.Text;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Broker.Tests;

/// <summary>Produce, Fetch and ListOffsets through the wire, with the errors Kafka returns.</summary>
public sealed class ProduceFetchTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync();
        _connection = await RawConnection.ConnectAsync(_broker);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    internal static byte[] Batch(int count, string prefix = "v", long timestamp = 1_700_000_000_000, CompressionType compression = CompressionType.None, int valueSize = 0)
    {
        using var builder = new RecordBatchBuilder(compression);
        for (var i = 0; i < count; i++)
        {
            var value = valueSize > 0 ? new byte[valueSize] : Encoding.UTF8.GetBytes($"{prefix}-{i}");
            builder.Append(timestamp + i, Encoding.UTF8.GetBytes($"k-{i}"), value);
        }

        return builder.BuildToArray();
    }

    private async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(string topic, int partition, byte[] records)
        => (await _connection.SendAsync<ProduceResponse>(Wire.ProduceRequest(topic, partition, records), 9)).Responses[0].PartitionResponses[0];

    private async Task<FetchResponse.PartitionData> FetchAsync(string topic, int partition, long offset, int maxWaitMs = 0, int minBytes = 1, int maxBytes = 1 << 20, RawConnection? connection = null)
    {
        var request = new FetchRequest
        {
            MaxWaitMs = maxWaitMs,
            MinBytes = minBytes,
            MaxBytes = maxBytes,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = partition, FetchOffset = offset, PartitionMaxBytes = maxBytes }] }],
        };
        return (await (connection ?? _connection).SendAsync<FetchResponse>(request, 11)).Responses[0].Partitions[0];
    }

    private async Task<long> ListOffsetAsync(string topic, long timestamp)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = 0, Timestamp = timestamp }] }],
        };
        var result = (await _connection.SendAsync<ListOffsetsResponse>(request, 7)).Topics[0].Partitions[0];
        Assert.Equal(0, result.ErrorCode);
        return result.Offset;
    }

    internal static List<(long Offset, string Value)> Decode(Records? records)
    {
        var result = new List<(long, string)>();
        var bytes = new byte[records?.SizeInBytes ?? 0];
        records?.CopyTo(bytes);
        using var reader = new RecordBatchReader();
        var enumerator = new RecordBatchEnumerator(bytes);
        while (enumerator.MoveNext())
        {
            reader.Load(bytes.AsMemory(enumerator.CurrentPosition, enumerator.Current.Length));
            foreach (var record in reader)
            {
                result.Add((record.Offset, Encoding.UTF8.GetString(record.ValueSpan)));
            }
        }

        return result;
    }

    [Fact]
    public async Task Produce_ThenFetch_ReturnsRecordsWithAssignedOffsets()
    {
        var first = await ProduceAsync("orders", 0, Batch(3, "a"));
        var second = await ProduceAsync("orders", 0, Batch(2, "b", compression: CompressionType.Zstd));

        Assert.Equal((0, 0L), (first.ErrorCode, first.BaseOffset));
        Assert.Equal((0, 3L), (second.ErrorCode, second.BaseOffset));
        var fetched = await FetchAsync("orders", 0, 0);
        Assert.Equal(5, fetched.HighWatermark);
        Assert.Equal([(0L, "a-0"), (1L, "a-1"), (2L, "a-2"), (3L, "b-0"), (4L, "b-1")], Decode(fetched.Records));
        var fromMiddle = await FetchAsync("orders", 0, 3);
        Assert.Equal([(3L, "b-0"), (4L, "b-1")], Decode(fromMiddle.Records));
    }

    [Fact]
    public async Task Produce_CorruptCrc_CorruptMessageAndNothingAppended()
    {
        var batch = Batch(2);
        batch[^1] ^= 0xFF;

        var result = await ProduceAsync("crc", 0, batch);

        Assert.Equal((short)ErrorCode.CorruptMessage, result.ErrorCode);
        Assert.Equal(0, await ListOffsetAsync("crc", -1));
    }

    [Fact]
    public async Task Produce_BatchOverMaxMessageBytes_MessageTooLarge()
    {
        var create = Wire.CreateTopicRequest("small", 1);
        create.Topics[0].Configs.Add(new() { Name = "max.message.bytes", Value = "1024" });
        await _connection.SendAsync<CreateTopicsResponse>(create, 7);

        var result = await ProduceAsync("small", 0, Batch(1, valueSize: 2000));

        Assert.Equal((short)ErrorCode.MessageTooLarge, result.ErrorCode);
        Assert.Equal(0, await ListOffsetAsync("small", -1));
    }

    [Fact]
    public async Task Produce_UnknownPartition_UnknownTopicOrPartition()
    {
        await _connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("one-partition", 1), 7);

        var result = await ProduceAsync("one-partition", 4, Batch(1));

        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, result.ErrorCode);
    }

    [Fact]
    public async Task Produce_InvalidAcks_InvalidRequiredAcks()
    {
        var response = await _connection.SendAsync<ProduceResponse>(Wire.ProduceRequest("acks", 0, Batch(1), acks: 2), 9);

        Assert.Equal((short)ErrorCode.InvalidRequiredAcks, response.Responses[0].PartitionResponses[0].ErrorCode);
    }

    [Fact]
    public async Task Produce_AcksZero_GetsNoResponse()
    {
        await _connection.SendRawAsync(RawConnection.Frame(Wire.ProduceRequest("fire", 0, Batch(4), acks: 0), 9, correlationId: 500));
        await _connection.SendRawAsync(RawConnection.Frame(new MetadataRequest { Topics = [new() { Name = "fire" }] }, 9, correlationId: 501));

        var frame = await _connection.ReadFrameAsync();

        // The first answer on the connection is the metadata one: the produce got none.
        Assert.Equal(501, BinaryPrimitives.ReadInt32BigEndian(frame));
        // Written, and readable once the background group commit fsynced it (write.caching=false).
        Assert.True(await Wire.EventuallyAsync(async () => await ListOffsetAsync("fire", -1) == 4, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Fetch_WaitingForData_WakesWhenRecordsArrive()
    {
        await _connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("waiting", 1), 7);
        await using var producer = await RawConnection.ConnectAsync(_broker);

        var fetch = FetchAsync("waiting", 0, 0, maxWaitMs: 30_000);
        await Task.Delay(200);
        Assert.False(fetch.IsCompleted);
        await producer.SendAsync<ProduceResponse>(Wire.ProduceRequest("waiting", 0, Batch(1, "late")), 9);

        var fetched = await fetch.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([(0L, "late-0")], Decode(fetched.Records));
    }

    [Fact]
    public async Task Fetch_MaxWaitElapses_ReturnsEmpty()
    {
        await _connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("idle", 1), 7);

        var fetched = await FetchAsync("idle", 0, 0, maxWaitMs: 100);

        Assert.Equal(0, fetched.ErrorCode);
        Assert.Empty(Decode(fetched.Records));
    }

    [Fact]
    public async Task Fetch_MaxBytesSmallerThanFirstBatch_StillReturnsThatWholeBatch()
    {
        await ProduceAsync("big", 0, Batch(10, valueSize: 500));
        await ProduceAsync("big", 0, Batch(10, valueSize: 500));

        var fetched = await FetchAsync("big", 0, 0, maxBytes: 100);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), Decode(fetched.Records).Select(r => r.Offset));
    }

    [Fact]
    public async Task ListOffsets_EarliestLatestAndByTimestamp()
    {
        await ProduceAsync("times", 0, Batch(5, timestamp: 1000));
        await ProduceAsync("times", 0, Batch(5, timestamp: 2000));

        Assert.Equal(0, await ListOffsetAsync("times", -2));
        Assert.Equal(10, await ListOffsetAsync("times", -1));
        Assert.Equal(2, await ListOffsetAsync("times", 1002));
        Assert.Equal(5, await ListOffsetAsync("times", 1005));
        Assert.Equal(9, await ListOffsetAsync("times", -3));
        Assert.Equal(-1, await ListOffsetAsync("times", 5000));
    }

    [Fact]
    public async Task DeleteRecords_MovesLogStartOffset()
    {
        await ProduceAsync("trim", 0, Batch(5));
        await ProduceAsync("trim", 0, Batch(5));
        var request = new DeleteRecordsRequest { TimeoutMs = 5000, Topics = [new() { Name = "trim", Partitions = [new() { PartitionIndex = 0, Offset = 5 }] }] };

        var result = (await _connection.SendAsync<DeleteRecordsResponse>(request, 2)).Topics[0].Partitions[0];

        Assert.Equal((0, 5L), (result.ErrorCode, result.LowWatermark));
        Assert.Equal(5, await ListOffsetAsync("trim", -2));
        var below = await FetchAsync("trim", 0, 2);
        Assert.Equal((short)ErrorCode.OffsetOutOfRange, below.ErrorCode);
    }
}
