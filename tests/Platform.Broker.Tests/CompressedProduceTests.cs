using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Broker.Tests;

/// <summary>
/// Compressed batches are decompressed and checked record by record on produce, as Kafka's LogValidator
/// does: a corrupt payload is refused for its partition only, and nothing of it is stored.
/// </summary>
public sealed class CompressedProduceTests
{
    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Produce_CorruptCompressedPayload_CorruptMessageForThatPartitionOnly(CompressionType compression)
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        await using var connection = await RawConnection.ConnectAsync(broker);
        await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("codec", 2), 7);
        var good = Batch(compression, 20);
        var corrupt = Batch(compression, 20);
        for (var i = RecordBatchHeader.Size + 8; i < corrupt.Length; i++)
        {
            corrupt[i] = 0x5A;
        }

        // A producer bug, not a torn frame: the CRC covers the corrupt bytes.
        RecordBatchHeader.UpdateCrc(corrupt);
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData =
            [
                new()
                {
                    Name = "codec",
                    PartitionData =
                    [
                        new() { Index = 0, Records = new MemoryRecords(corrupt) },
                        new() { Index = 1, Records = new MemoryRecords(good) },
                    ],
                },
            ],
        };

        var results = (await connection.SendAsync<ProduceResponse>(request, 9)).Responses[0].PartitionResponses.OrderBy(p => p.Index).ToList();

        Assert.Equal([(short)ErrorCode.CorruptMessage, 0], results.Select(r => r.ErrorCode));
        Assert.Equal(0, results[1].BaseOffset);
        Assert.Equal(0, await EndOffsetAsync(connection, 0));
        Assert.Equal(20, await EndOffsetAsync(connection, 1));
    }

    private static byte[] Batch(CompressionType compression, int records)
    {
        using var builder = new RecordBatchBuilder(compression);
        for (var i = 0; i < records; i++)
        {
            builder.Append(1_700_000_000_000 + i, null, System.Text.Encoding.UTF8.GetBytes($"value-{i}-{new string('x', 40)}"));
        }

        return builder.BuildToArray();
    }

    private static async Task<long> EndOffsetAsync(RawConnection connection, int partition)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = "codec", Partitions = [new() { PartitionIndex = partition, Timestamp = -1 }] }],
        };
        return (await connection.SendAsync<ListOffsetsResponse>(request, 7)).Topics[0].Partitions[0].Offset;
    }
}
