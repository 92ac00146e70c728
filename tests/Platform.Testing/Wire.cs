using System.Text;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;
using Xunit;

namespace Platform.Testing;

/// <summary>A record as a consumer sees it; null key or value stays null (tombstones).</summary>
public sealed record ConsumedRecord(long Offset, string? Key, string? Value);

/// <summary>
/// The few requests the acceptance tests need, over a <see cref="RawConnection"/>: produce one batch,
/// consume a partition to its high watermark (checking every batch is whole and its CRC right), list offsets.
/// </summary>
public static class Wire
{
    public static CreateTopicsRequest CreateTopicRequest(string name, int partitions, short replicationFactor = 1)
        => new()
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = partitions, ReplicationFactor = replicationFactor }],
            TimeoutMs = 5000,
        };

    public static ProduceRequest ProduceRequest(string topic, int partition, byte[] records, short acks = -1)
        => new()
        {
            Acks = acks,
            TimeoutMs = 5000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = partition, Records = new MemoryRecords(records) }] }],
        };

    public static byte[] Batch(long timestamp, params (string? Key, string? Value)[] records)
    {
        using var builder = new RecordBatchBuilder();
        foreach (var (key, value) in records)
        {
            builder.Append(timestamp, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value));
        }

        return builder.BuildToArray();
    }

    public static async Task CreateTopicAsync(this RawConnection connection, string topic, params (string Key, string Value)[] configs)
    {
        var request = CreateTopicRequest(topic, 1);
        foreach (var (key, value) in configs)
        {
            request.Topics[0].Configs.Add(new() { Name = key, Value = value });
        }

        var result = Assert.Single((await connection.SendAsync<CreateTopicsResponse>(request, 7)).Topics);
        Assert.True(result.ErrorCode == 0, $"CreateTopics {topic}: {(ErrorCode)result.ErrorCode} {result.ErrorMessage}");
    }

    public static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(this RawConnection connection, string topic, byte[] batch, short acks = -1)
        => (await connection.SendAsync<ProduceResponse>(ProduceRequest(topic, 0, batch, acks), 9)).Responses[0].PartitionResponses[0];

    public static async Task<long> ListOffsetAsync(this RawConnection connection, string topic, long timestamp)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = 0, Timestamp = timestamp }] }],
        };
        var result = (await connection.SendAsync<ListOffsetsResponse>(request, 7)).Topics[0].Partitions[0];
        Assert.Equal(0, result.ErrorCode);
        return result.Offset;
    }

    /// <summary>
    /// Fetches partition 0 from <paramref name="from"/> (the log start offset if -1) up to the high
    /// watermark. Fails if a response holds a partial batch (the limit is far above what tests write) or a
    /// batch whose CRC does not match.
    /// </summary>
    public static async Task<List<ConsumedRecord>> ConsumeAllAsync(this RawConnection connection, string topic, long from = -1)
    {
        var offset = from >= 0 ? from : await connection.ListOffsetAsync(topic, -2);
        var records = new List<ConsumedRecord>();
        using var reader = new RecordBatchReader();
        while (true)
        {
            const int maxBytes = 16 << 20;
            var request = new FetchRequest
            {
                MaxWaitMs = 0,
                MinBytes = 1,
                MaxBytes = maxBytes,
                Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = offset, PartitionMaxBytes = maxBytes }] }],
            };
            var partition = (await connection.SendAsync<FetchResponse>(request, 11)).Responses[0].Partitions[0];
            Assert.True(partition.ErrorCode == 0, $"Fetch {topic} at {offset}: {(ErrorCode)partition.ErrorCode}");
            var bytes = new byte[partition.Records?.SizeInBytes ?? 0];
            partition.Records?.CopyTo(bytes);
            var position = 0;
            var batches = new RecordBatchEnumerator(bytes);
            while (batches.MoveNext())
            {
                var batch = batches.Current;
                Assert.True(RecordBatchHeader.IsCrcValid(batch), $"Batch at offset {RecordBatchHeader.BaseOffset(batch)} of {topic} has a bad CRC.");
                reader.Load(bytes.AsMemory(batches.CurrentPosition, batch.Length));
                foreach (var record in reader)
                {
                    records.Add(new(record.Offset, Text(record.Key), Text(record.Value)));
                }

                offset = RecordBatchHeader.LastOffset(batch) + 1;
                position = batches.CurrentPosition + batch.Length;
            }

            Assert.True(position == bytes.Length, $"Fetch {topic}: {bytes.Length - position} bytes of a partial batch after offset {offset}.");
            if (offset >= partition.HighWatermark || bytes.Length == 0)
            {
                return records;
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; the caller asserts on the result.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }
    }

    private static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;
}
