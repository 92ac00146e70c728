using Platform.Client.Fetching;
using Platform.Protocol;

namespace Platform.Client;

internal sealed partial class Consumer<TKey, TValue>
{
    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout)
        => Blocking(ct => OffsetsForTimesAsync(timestampsToSearch, ct), timeout);

    public async Task<List<TopicPartitionOffset>> OffsetsForTimesAsync(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timestampsToSearch);
        ThrowIfClosed();
        var searches = timestampsToSearch.Select(t => (t.TopicPartition, t.Timestamp.UnixTimestampMs)).ToList();
        var answers = await ListOffsetsAsync(searches, cancellationToken).ConfigureAwait(false);

        // No record at or after the time: Kafka answers offset -1, which is Offset.End.
        return searches.ConvertAll(s => new TopicPartitionOffset(s.TopicPartition, answers[s.TopicPartition]));
    }

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition partition, TimeSpan timeout)
        => Blocking(ct => QueryWatermarkOffsetsAsync(partition, ct), timeout);

    public async Task<WatermarkOffsets> QueryWatermarkOffsetsAsync(TopicPartition partition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ThrowIfClosed();

        // One partition per request, so two requests: earliest, then latest.
        var low = await ListOffsetsAsync([(partition, Offsets.Beginning)], cancellationToken).ConfigureAwait(false);
        var high = await ListOffsetsAsync([(partition, Offsets.End)], cancellationToken).ConfigureAwait(false);
        return new WatermarkOffsets(low[partition], high[partition]);
    }

    /// <summary>ListOffsets on each partition's leader; throws the first partition error.</summary>
    private async Task<Dictionary<TopicPartition, long>> ListOffsetsAsync(List<(TopicPartition TopicPartition, long Timestamp)> searches, CancellationToken cancellationToken)
    {
        var leaders = new Dictionary<TopicPartition, (int Leader, int Epoch)>();
        foreach (var topic in searches.Select(s => s.TopicPartition.Topic).Distinct())
        {
            var info = await _metadata.GetTopicAsync(topic, cancellationToken).ConfigureAwait(false);
            foreach (var (tp, _) in searches.Where(s => s.TopicPartition.Topic == topic))
            {
                if (tp.Partition >= info.Partitions.Length)
                {
                    throw new KafkaException(new Error(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' has {info.Partitions.Length} partitions; partition {tp.Partition} does not exist."));
                }

                var partition = info.Partitions[tp.Partition];
                if (partition.LeaderId < 0)
                {
                    throw new KafkaException(new Error(ErrorCode.LeaderNotAvailable, $"Partition {tp} has no leader."));
                }

                leaders[tp] = (partition.LeaderId, partition.LeaderEpoch);
            }
        }

        var result = new Dictionary<TopicPartition, long>();
        foreach (var byLeader in searches.GroupBy(s => leaders[s.TopicPartition].Leader))
        {
            var answers = await _fetcher.ListOffsetsOnNodeAsync(
                byLeader.Key,
                byLeader.Select(s => (s.TopicPartition, s.Timestamp, leaders[s.TopicPartition].Epoch)).ToList(),
                cancellationToken).ConfigureAwait(false);
            foreach (var (tp, _) in byLeader)
            {
                if (!answers.TryGetValue(tp, out var answer))
                {
                    throw new KafkaException(new Error(ErrorCode.UnknownServerError, $"The broker did not answer for partition {tp}."));
                }

                if (answer.Error != ErrorCode.None)
                {
                    if (answer.Error.IsRetriable())
                    {
                        _metadata.RequestUpdate();
                    }

                    throw new KafkaException(new Error(answer.Error, $"Listing offsets of partition {tp} failed: {answer.Error.ToKafkaName()}."));
                }

                result[tp] = answer.Offset;
            }
        }

        return result;
    }

    private static T Blocking<T>(Func<CancellationToken, Task<T>> call, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return call(cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new KafkaException(new Error(ErrorCode.RequestTimedOut, $"No answer within {timeout.TotalMilliseconds:0} ms."));
        }
    }
}
