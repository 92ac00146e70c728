using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Admin;

internal sealed partial class AdminClient
{
    /// <summary>FindCoordinator key type of a transactional id.</summary>
    private const sbyte TransactionCoordinatorKeyType = 1;

    public async Task<IReadOnlyList<DescribeProducersResult>> DescribeProducersAsync(
        IEnumerable<TopicPartition> partitions,
        DescribeProducersOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var requested = partitions.Distinct().ToList();
        var leaders = await LeadersAsync(requested, cancellationToken).ConfigureAwait(false);
        var results = new Dictionary<TopicPartition, DescribeProducersResult>();
        foreach (var (tp, error) in leaders.Where(l => l.Value.Error.IsError).Select(l => (l.Key, l.Value.Error)))
        {
            results[tp] = new DescribeProducersResult(tp, [], error);
        }

        foreach (var byLeader in leaders.Where(l => !l.Value.Error.IsError).GroupBy(l => l.Value.Leader, l => l.Key))
        {
            var connection = await _cluster.GetNodeAsync(byLeader.Key, cancellationToken).ConfigureAwait(false);
            var request = new DescribeProducersRequest
            {
                Topics = byLeader.GroupBy(tp => tp.Topic).Select(t => new DescribeProducersRequest.TopicRequest { Name = t.Key, PartitionIndexes = t.Select(tp => tp.Partition).ToList() }).ToList(),
            };
            var response = await connection.SendAsync<DescribeProducersResponse>(request, cancellationToken).ConfigureAwait(false);
            foreach (var topic in response.Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    var tp = new TopicPartition(topic.Name, partition.PartitionIndex);
                    var producers = partition.ActiveProducers
                        .Select(p => new ProducerState(p.ProducerId, p.ProducerEpoch, p.LastSequence, p.LastTimestamp, p.CoordinatorEpoch, p.CurrentTxnStartOffset >= 0 ? p.CurrentTxnStartOffset : null))
                        .ToList();
                    results[tp] = new DescribeProducersResult(tp, producers, Error.FromWire(partition.ErrorCode, partition.ErrorMessage));
                }
            }
        }

        var ordered = requested
            .Select(tp => results.GetValueOrDefault(tp) ?? new DescribeProducersResult(tp, [], new Error(ErrorCode.UnknownServerError, "The broker did not answer for this partition.")))
            .ToList();
        if (ordered.Any(r => r.Error.IsError))
        {
            throw new DescribeProducersException(ordered);
        }

        return ordered;
    }

    public async Task<IReadOnlyList<TransactionListing>> ListTransactionsAsync(ListTransactionsOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Every broker coordinates its own share of the transactional ids, so each one is asked.
        var metadata = await GetMetadataAsync([], cancellationToken).ConfigureAwait(false);
        var listings = new List<TransactionListing>();
        foreach (var broker in metadata.Brokers)
        {
            var connection = await _cluster.GetNodeAsync(broker.BrokerId, cancellationToken).ConfigureAwait(false);
            var version = connection.ApiVersions.Select(ApiKey.ListTransactions);
            if (options?.MinDuration is not null && version < 1)
            {
                throw new KafkaException(new Error(ErrorCode.UnsupportedVersion, $"Broker {broker.BrokerId} cannot filter transactions by duration (ListTransactions v1)."));
            }

            var request = new ListTransactionsRequest
            {
                StateFilters = [.. options?.States ?? []],
                ProducerIdFilters = [.. options?.ProducerIds ?? []],
                DurationFilter = options?.MinDuration is { } duration ? (long)duration.TotalMilliseconds : -1,
            };
            var response = await connection.SendAsync<ListTransactionsResponse>(request, version, cancellationToken).ConfigureAwait(false);
            ThrowIfError(response.ErrorCode, null);
            listings.AddRange(response.TransactionStates.Select(t => new TransactionListing(t.TransactionalId, t.ProducerId, t.TransactionState, broker.BrokerId)));
        }

        return [.. listings.OrderBy(l => l.TransactionalId, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<TransactionDescription>> DescribeTransactionsAsync(
        IEnumerable<string> transactionalIds,
        DescribeTransactionsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactionalIds);
        var results = new List<TransactionDescription>();
        foreach (var id in transactionalIds)
        {
            var (coordinator, error) = await FindTransactionCoordinatorAsync(id, cancellationToken).ConfigureAwait(false);
            if (error.IsError)
            {
                results.Add(NotDescribed(id, coordinator, error));
                continue;
            }

            var connection = await _cluster.GetNodeAsync(coordinator, cancellationToken).ConfigureAwait(false);
            var response = await connection.SendAsync<DescribeTransactionsResponse>(new DescribeTransactionsRequest { TransactionalIds = [id] }, cancellationToken).ConfigureAwait(false);
            var state = response.TransactionStates.FirstOrDefault(s => s.TransactionalId == id);
            results.Add(state is null
                ? NotDescribed(id, coordinator, new Error(ErrorCode.UnknownServerError, "The coordinator did not answer for this id."))
                : new TransactionDescription(
                    id,
                    coordinator,
                    state.TransactionState,
                    state.ProducerId,
                    state.ProducerEpoch,
                    TimeSpan.FromMilliseconds(state.TransactionTimeoutMs),
                    state.TransactionStartTimeMs >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(state.TransactionStartTimeMs) : null,
                    state.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p))).ToList(),
                    Error.FromWire(state.ErrorCode)));
        }

        if (results.Any(r => r.Error.IsError))
        {
            throw new DescribeTransactionsException(results);
        }

        return results;
    }

    public async Task AbortTransactionAsync(AbortTransactionSpec spec, AbortTransactionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var leaders = await LeadersAsync([spec.TopicPartition], cancellationToken).ConfigureAwait(false);
        var (leader, leaderError) = leaders[spec.TopicPartition];
        if (leaderError.IsError)
        {
            throw new KafkaException(leaderError);
        }

        // As kafka-transactions.sh does: the ABORT marker goes straight to the leader, as the coordinator would send it.
        var connection = await _cluster.GetNodeAsync(leader, cancellationToken).ConfigureAwait(false);
        var request = new WriteTxnMarkersRequest
        {
            Markers =
            [
                new()
                {
                    ProducerId = spec.ProducerId,
                    ProducerEpoch = spec.ProducerEpoch,
                    TransactionResult = false,
                    CoordinatorEpoch = spec.CoordinatorEpoch,
                    Topics = [new() { Name = spec.TopicPartition.Topic, PartitionIndexes = [spec.TopicPartition.Partition] }],
                },
            ],
        };
        var response = await connection.SendAsync<WriteTxnMarkersResponse>(request, cancellationToken).ConfigureAwait(false);
        var code = response.Markers.SelectMany(m => m.Topics).SelectMany(t => t.Partitions).Select(p => p.ErrorCode).FirstOrDefault(c => c != 0);
        ThrowIfError(code, $"Aborting the transaction of producer {spec.ProducerId} on {spec.TopicPartition} failed.");
    }

    private static TransactionDescription NotDescribed(string id, int coordinator, Error error)
        => new(id, coordinator, "", -1, -1, TimeSpan.Zero, null, [], error);

    /// <summary>The leader of each partition, or why it has none.</summary>
    private async Task<Dictionary<TopicPartition, (int Leader, Error Error)>> LeadersAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        var metadata = await GetMetadataAsync(partitions.Select(p => p.Topic).Distinct(), cancellationToken).ConfigureAwait(false);
        var known = metadata.Topics.SelectMany(t => t.Partitions.Select(p => (Key: new TopicPartition(t.Topic, p.PartitionId), p.Leader))).ToDictionary(x => x.Key, x => x.Leader);
        return partitions.ToDictionary(
            tp => tp,
            tp => !known.TryGetValue(tp, out var leader) ? (-1, new Error(ErrorCode.UnknownTopicOrPartition, $"Partition {tp} does not exist."))
                : leader < 0 ? (-1, new Error(ErrorCode.LeaderNotAvailable, $"Partition {tp} has no leader."))
                : (leader, Error.NoError));
    }

    /// <summary>FindCoordinator for a transactional id: the coordinator's node id, or why there is none.</summary>
    private async Task<(int NodeId, Error Error)> FindTransactionCoordinatorAsync(string transactionalId, CancellationToken cancellationToken)
    {
        var connection = await _cluster.GetAnyAsync(cancellationToken).ConfigureAwait(false);
        var version = connection.ApiVersions.Select(ApiKey.FindCoordinator);
        if (version < 1)
        {
            return (-1, new Error(ErrorCode.UnsupportedVersion, "The broker cannot find transaction coordinators (FindCoordinator v1)."));
        }

        var request = version >= 4
            ? new FindCoordinatorRequest { KeyType = TransactionCoordinatorKeyType, CoordinatorKeys = [transactionalId] }
            : new FindCoordinatorRequest { KeyType = TransactionCoordinatorKeyType, Key = transactionalId };
        var response = await connection.SendAsync<FindCoordinatorResponse>(request, version, cancellationToken).ConfigureAwait(false);
        if (version >= 4)
        {
            var coordinator = response.Coordinators.FirstOrDefault();
            return coordinator is null ? (-1, new Error(ErrorCode.CoordinatorNotAvailable, "No coordinator in the answer."))
                : (coordinator.NodeId, Error.FromWire(coordinator.ErrorCode, coordinator.ErrorMessage));
        }

        return (response.NodeId, Error.FromWire(response.ErrorCode, response.ErrorMessage));
    }
}
