using System.Text;
using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Testing;

/// <summary>Reads a partition back with plain Fetch requests (the consumer lives on another branch).</summary>
public static class PartitionReader
{
    public sealed record Stored(long Offset, string? Key, string? Value, long Timestamp, Dictionary<string, string?> Headers, CompressionType Compression);

    public static async Task<List<Stored>> ReadAllAsync(string bootstrap, string topic, int partition, int expected, TimeSpan? timeout = null)
    {
        await using var connection = await KafkaConnection.ConnectAsync(BrokerAddress.Parse(bootstrap));
        var records = new List<Stored>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        using var reader = new RecordBatchReader();
        while (records.Count < expected && DateTime.UtcNow < deadline)
        {
            var request = new FetchRequest
            {
                MaxWaitMs = 100,
                MinBytes = 1,
                MaxBytes = 16 * 1024 * 1024,
                Topics =
                [
                    new FetchRequest.FetchTopic
                    {
                        Topic = topic,
                        Partitions = [new FetchRequest.FetchPartition { Partition = partition, FetchOffset = records.Count == 0 ? 0 : records[^1].Offset + 1, PartitionMaxBytes = 8 * 1024 * 1024 }],
                    },
                ],
            };
            var response = await connection.SendAsync<FetchResponse>(request);
            var data = response.Responses[0].Partitions[0];
            if (data.Records is not MemoryRecords { Data.Length: > 0 } memory)
            {
                continue;
            }

            var position = 0;
            var bytes = memory.Data;
            foreach (var batch in new RecordBatchEnumerator(bytes.Span))
            {
                reader.Load(bytes.Slice(position, batch.Length));
                position += batch.Length;
                foreach (var record in reader)
                {
                    var headers = new Dictionary<string, string?>();
                    foreach (var header in record.Headers)
                    {
                        headers[header.KeyString] = header.IsValueNull ? null : Encoding.UTF8.GetString(header.Value!.Value.Span);
                    }

                    records.Add(new Stored(
                        record.Offset,
                        record.IsKeyNull ? null : Encoding.UTF8.GetString(record.KeySpan),
                        record.IsValueNull ? null : Encoding.UTF8.GetString(record.ValueSpan),
                        record.Timestamp,
                        headers,
                        reader.Batch.Compression));
                }
            }
        }

        return records;
    }
}
