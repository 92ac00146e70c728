using Platform.Client.Consumer.Fetching;
using Platform.Client.Internal;
using Platform.Protocol;

namespace Platform.Client.Consumer;

internal sealed partial class Consumer<TKey, TValue>
{
    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout)
        => ClientConfigSupport.Blocking(ct => OffsetsForTimesAsync(timestampsToSearch, ct), timeout);

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
        => ClientConfigSupport.Blocking(ct => QueryWatermarkOffsetsAsync(partition, ct), timeout);

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
            var info = await GetTopicAsync(topic, cancellationToken).ConfigureAwait(false);
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
            Dictionary<TopicPartition, (long Offset, long Timestamp, ErrorCode Error)> answers;
            try
            {
                answers = await _fetcher.ListOffsetsOnNodeAsync(
                    byLeader.Key,
                    byLeader.Select(s => (s.TopicPartition, s.Timestamp, leaders[s.TopicPartition].Epoch)).ToList(),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException)
            {
                // The leader could not be reached (killed, say): the caller's retry must not go to the same dead
                // broker until the metadata happens to be refreshed, so ask for it now.
                _metadata.RequestUpdate();
                throw;
            }

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

    /// <summary>The topic's metadata; unlike the producer, a consumer does not wait for a topic the cluster says does not exist.</summary>
    private async Task<Internal.TopicInfo> GetTopicAsync(string topic, CancellationToken cancellationToken)
    {
        _metadata.Track(topic);
        for (var attempt = 0; ; attempt++)
        {
            var updated = _metadata.WaitForUpdateAsync(cancellationToken);
            if (_metadata.TryGetTopic(topic, out var info))
            {
                if (info.IsUsable)
                {
                    return info;
                }

                if (info.Error == ErrorCode.UnknownTopicOrPartition || (info.Error != ErrorCode.None && !info.Error.IsRetriable()))
                {
                    throw new KafkaException(new Error(info.Error, info.Error == ErrorCode.UnknownTopicOrPartition
                        ? $"Topic '{topic}' does not exist."
                        : $"Metadata for topic '{topic}' failed: {info.Error.ToKafkaName()}."));
                }
            }

            if (attempt > 0 && _metadata.LastError is { } error)
            {
                throw new KafkaException(error.Error, error);
            }

            _metadata.RequestUpdate();
            await updated.ConfigureAwait(false);
        }
    }

}
