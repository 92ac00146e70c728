using System.Text;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Broker.Tests;

/// <summary>What a read_committed fetch of partition 0 returned: the visible values and the partition's offsets.</summary>
internal sealed record CommittedFetch(List<string> Values, long HighWatermark, long LastStableOffset);

/// <summary>The transactional requests the transaction tests send by hand, over a <see cref="RawConnection"/>.</summary>
internal static class TxnWire
{
    public static async Task<InitProducerIdResponse> InitProducerIdAsync(this RawConnection connection, string transactionalId, int timeoutMs = 60_000, short version = 4)
        => await connection.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = timeoutMs, ProducerId = -1, ProducerEpoch = -1 }, version);

    public static async Task<short> AddPartitionAsync(this RawConnection connection, string transactionalId, long producerId, short epoch, string topic, short version = 3)
    {
        var request = new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = transactionalId,
            V3AndBelowProducerId = producerId,
            V3AndBelowProducerEpoch = epoch,
            V3AndBelowTopics = [new() { Name = topic, Partitions = [0] }],
        };
        var response = await connection.SendAsync<AddPartitionsToTxnResponse>(request, version);
        return response.ResultsByTopicV3AndBelow[0].ResultsByPartition[0].PartitionErrorCode;
    }

    public static async Task<short> EndTxnAsync(this RawConnection connection, string transactionalId, long producerId, short epoch, bool commit, short version = 3)
        => (await connection.SendAsync<EndTxnResponse>(new EndTxnRequest { TransactionalId = transactionalId, ProducerId = producerId, ProducerEpoch = epoch, Committed = commit }, version)).ErrorCode;

    public static byte[] Batch(long producerId, short epoch, int baseSequence, params string[] values)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = baseSequence, IsTransactional = true };
        foreach (var value in values)
        {
            builder.Append(1_700_000_000_000, null, Encoding.UTF8.GetBytes(value));
        }

        return builder.BuildToArray();
    }

    /// <summary>
    /// One read_committed fetch of partition 0 from offset 0, filtered as a consumer does: control batches
    /// and the batches of the aborted transactions the broker lists are dropped.
    /// </summary>
    public static async Task<CommittedFetch> FetchCommittedAsync(this RawConnection connection, string topic)
    {
        var request = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = 1 << 20,
            IsolationLevel = 1,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        };
        var partition = (await connection.SendAsync<FetchResponse>(request, 11)).Responses[0].Partitions[0];
        Assert.Equal(0, partition.ErrorCode);
        var bytes = new byte[partition.Records?.SizeInBytes ?? 0];
        partition.Records?.CopyTo(bytes);
        var pending = new Queue<FetchResponse.AbortedTransaction>((partition.AbortedTransactions ?? []).OrderBy(a => a.FirstOffset));
        var aborted = new HashSet<long>();
        var values = new List<string>();
        using var reader = new RecordBatchReader();
        var batches = new RecordBatchEnumerator(bytes);
        while (batches.MoveNext())
        {
            var batch = batches.Current;
            while (pending.Count > 0 && pending.Peek().FirstOffset <= RecordBatchHeader.LastOffset(batch))
            {
                aborted.Add(pending.Dequeue().ProducerId);
            }

            var producerId = RecordBatchHeader.ProducerId(batch);
            if (RecordBatchHeader.IsControl(batch))
            {
                aborted.Remove(producerId);
                continue;
            }

            if (RecordBatchHeader.IsTransactional(batch) && aborted.Contains(producerId))
            {
                continue;
            }

            reader.Load(bytes.AsMemory(batches.CurrentPosition, batch.Length));
            foreach (var record in reader)
            {
                values.Add(Encoding.UTF8.GetString(record.ValueSpan));
            }
        }

        return new CommittedFetch(values, partition.HighWatermark, partition.LastStableOffset);
    }
}
