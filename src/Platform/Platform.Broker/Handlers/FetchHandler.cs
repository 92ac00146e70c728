using Platform.Broker.Cluster;
using Platform.Broker.Replication;
using Platform.Broker.Requests;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;

namespace Platform.Broker.Handlers;

/// <summary>
/// Fetch: serves record batches straight from the segment files. A fetch that finds fewer than
/// min.bytes waits, without polling, until an append to one of its partitions or max.wait.ms.
/// Sessions are not kept: every response has session id 0, which clients read as a full fetch.
/// read_committed (isolation level 1) reads up to the last stable offset and lists the aborted
/// transactions overlapping the range read, so the consumer can drop their records.
/// fetch.max.bytes caps the records of a response whatever the request's max_bytes.
/// Only the leader serves a partition. A follower's fetch (a replica id) reads up to the log end rather
/// than the high watermark, tells the leader how far the follower has the log (which moves the ISR and
/// the high watermark), and wakes at every append. A follower's replica that is listed in the topic's
/// leader.replication.throttled.replicas and not in the ISR gets no records while the leader's replication quota
/// (leader.replication.throttled.rate) is spent, as in Kafka.
/// </summary>
public sealed class FetchHandler(TopicManager topics, TimeProvider time, Microsoft.Extensions.Options.IOptions<BrokerOptions> options, LeaderGuard leaders, ReplicationThrottle throttle) : ApiHandler<FetchRequest, FetchResponse>
{
    /// <summary>Versions below this carry message formats v0/v1, which are not stored here.</summary>
    private const short FirstRecordBatchVersion = 4;

    public override ApiKey ApiKey => ApiKey.Fetch;

    public override short MinVersion => 0;

    // v13+ addresses topics by id only; 12 is the last version with names.
    public override short MaxVersion => 12;

    public override async ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion < FirstRecordBatchVersion)
        {
            return ErrorResponse(context, request, ErrorCode.UnsupportedVersion);
        }

        var readCommitted = request.IsolationLevel == 1;
        var deadline = time.GetTimestamp() + (long)(Math.Max(0, request.MaxWaitMs) * (time.TimestampFrequency / 1000.0));
        var waits = new List<Task>();
        var first = true;
        while (true)
        {
            waits.Clear();
            var (response, bytes, hasError) = Read(request, readCommitted, waits, first);
            first = false;
            var remaining = time.GetElapsedTime(time.GetTimestamp(), deadline);
            if (bytes >= request.MinBytes || hasError || remaining <= TimeSpan.Zero || waits.Count == 0)
            {
                return response;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(remaining);
            waits.Add(Task.Delay(Timeout.InfiniteTimeSpan, timeout.Token));
            await Task.WhenAny(waits).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (timeout.IsCancellationRequested)
            {
                // Max wait is over: answer with whatever is there now.
                return Read(request, readCommitted, waits: null, followerFetch: false).Response;
            }
        }
    }

    /// <summary>Reads every partition once; <paramref name="followerFetch"/>: the first pass of a follower's fetch, which reports its position to the leader.</summary>
    /// <summary>
    /// Fetch v12+ (KIP-595/320): the caller's last fetched epoch ends earlier in this log than its fetch offset,
    /// or this log has no such epoch: where it does end (the largest epoch at or below it, and the offset where
    /// the next one starts), for the caller to cut its log there. Null when the histories agree.
    /// </summary>
    private static FetchResponse.EpochEndOffset? Diverging(Partition partition, FetchRequest.FetchPartition fetch)
    {
        if (fetch.LastFetchedEpoch < 0)
        {
            return null;
        }

        var (epoch, endOffset) = partition.Log.EndOffsetForEpoch(fetch.LastFetchedEpoch);
        return epoch < fetch.LastFetchedEpoch || endOffset < fetch.FetchOffset ? new() { Epoch = epoch, EndOffset = endOffset } : null;
    }

    private (FetchResponse Response, long Bytes, bool HasError) Read(FetchRequest request, bool readCommitted, List<Task>? waits, bool followerFetch)
    {
        var replicaId = request.ReplicaId;
        var response = new FetchResponse { Responses = new(request.Topics.Count) };
        long responseBudget = Math.Min(request.MaxBytes, options.Value.FetchMaxBytes);
        long total = 0;
        var hasError = false;
        foreach (var fetchTopic in request.Topics)
        {
            var topicResponse = new FetchResponse.FetchableTopicResponse { Topic = fetchTopic.Topic, Partitions = new(fetchTopic.Partitions.Count) };
            response.Responses.Add(topicResponse);
            topics.TryGetTopic(fetchTopic.Topic, out var topic);
            foreach (var fetchPartition in fetchTopic.Partitions)
            {
                var data = new FetchResponse.PartitionData { PartitionIndex = fetchPartition.Partition, HighWatermark = -1, LastStableOffset = -1, LogStartOffset = -1 };
                topicResponse.Partitions.Add(data);
                var partition = topic?.GetPartition(fetchPartition.Partition);
                if (leaders.Check(fetchTopic.Topic, fetchPartition.Partition, partition, fetchPartition.CurrentLeaderEpoch) is not ErrorCode.None and var notLeader)
                {
                    data.ErrorCode = (short)notLeader;
                    hasError = true;
                    continue;
                }

                if (partition is null || partition.IsOffline)
                {
                    data.ErrorCode = (short)(partition is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.KafkaStorageError);
                    hasError = true;
                    continue;
                }

                if (Diverging(partition, fetchPartition) is { } diverging)
                {
                    // Nothing read, and a follower's fetch offset past the divergence is not its progress.
                    data.DivergingEpoch = diverging;
                    data.HighWatermark = partition.HighWatermark;
                    data.LogStartOffset = partition.LogStartOffset;
                    data.Records = MemoryRecords.Empty;
                    continue;
                }

                // Take the signal before reading, so an append between the read and the wait still wakes us.
                waits?.Add(partition.DataArrived.NextPulse);
                var leader = replicaId >= 0 ? partition.Leader : null;
                if (leader is not null)
                {
                    waits?.Add(leader.Appended.NextPulse);
                    if (followerFetch && fetchPartition.FetchOffset <= partition.LogEndOffset)
                    {
                        leader.OnFollowerFetch(replicaId, fetchPartition.FetchOffset, fetchPartition.LogStartOffset);
                    }
                }

                var highWatermark = partition.HighWatermark;
                var lastStable = partition.LastStableOffset;
                data.HighWatermark = highWatermark;
                data.LastStableOffset = lastStable;
                data.LogStartOffset = partition.LogStartOffset;
                if (readCommitted)
                {
                    data.AbortedTransactions = [];
                }

                var offset = fetchPartition.FetchOffset;
                if (offset < partition.LogStartOffset || offset > partition.LogEndOffset)
                {
                    data.ErrorCode = (short)ErrorCode.OffsetOutOfRange;
                    hasError = true;
                    continue;
                }

                var maxOffset = replicaId >= 0 ? long.MaxValue : readCommitted ? lastStable : highWatermark;
                var budget = (int)Math.Min(fetchPartition.PartitionMaxBytes, Math.Max(0, responseBudget));
                // The list names the leader side's replicas (partition:thisBroker); the follower fetching must be out of sync.
                var throttled = leader is not null
                    && ReplicationThrottle.Lists(partition.Topic.Config, LogConfig.LeaderReplicationThrottledReplicasConfig, partition.Index, throttle.NodeId)
                    && !partition.Role.Isr.Contains(replicaId);
                if (throttled && throttle.Leader.IsExceeded)
                {
                    data.Records = MemoryRecords.Empty;
                    continue;
                }

                if (offset >= maxOffset || fetchPartition.PartitionMaxBytes <= 0)
                {
                    if (offset >= highWatermark)
                    {
                        partition.Log.ReaderAtHighWatermark();
                    }

                    data.Records = MemoryRecords.Empty;
                    continue;
                }

                // KIP-74: the first partition with data returns at least one whole batch, so a batch
                // larger than the limits never blocks a consumer.
                LogReadResult read;
                try
                {
                    read = partition.Log.Read(offset, budget, maxOffset, minOneBatch: total == 0);
                }
                catch (StorageException e)
                {
                    // The read failed (and took the log offline) or the log went offline since the check above.
                    data.ErrorCode = (short)e.ErrorCode;
                    data.Records = MemoryRecords.Empty;
                    hasError = true;
                    continue;
                }

                data.Records = read.Records;
                if (readCommitted && read.Records.SizeInBytes > 0)
                {
                    // The consumer drops the batches of these producers from each first offset to its ABORT marker.
                    data.AbortedTransactions = partition.Log.GetAbortedTransactions(offset, maxOffset)
                        .Select(a => new FetchResponse.AbortedTransaction { ProducerId = a.ProducerId, FirstOffset = a.FirstOffset })
                        .ToList();
                }

                if (throttled)
                {
                    throttle.Leader.Record(read.Records.SizeInBytes);
                }

                total += read.Records.SizeInBytes;
                responseBudget -= read.Records.SizeInBytes;
            }
        }

        return (response, total, hasError);
    }

    public override FetchResponse ErrorResponse(RequestContext context, FetchRequest request, ErrorCode error)
        => new()
        {
            Responses = request.Topics.Select(t => new FetchResponse.FetchableTopicResponse
            {
                Topic = t.Topic,
                Partitions = t.Partitions.Select(p => new FetchResponse.PartitionData
                {
                    PartitionIndex = p.Partition,
                    ErrorCode = (short)error,
                    HighWatermark = -1,
                    LastStableOffset = -1,
                    LogStartOffset = -1,
                    Records = MemoryRecords.Empty,
                }).ToList(),
            }).ToList(),
        };
}
