using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Platform.Broker.Cluster;
using Platform.Broker.Replication;
using Platform.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Transactions;

/// <summary>The COMMIT/ABORT markers that end one producer's transaction, with the coordinator epoch that sends them.</summary>
internal sealed record TransactionMarkers(long ProducerId, short ProducerEpoch, int CoordinatorEpoch, bool Commit, IReadOnlyList<(string Topic, int Partition)> Partitions);

/// <summary>
/// Delivers a transaction's markers to the leaders of its partitions: those led here through the
/// <see cref="TransactionMarkerWriter"/>, the others with one WriteTxnMarkers per leader broker (over one
/// kept <see cref="ReplicaChannel"/> per broker), all at once. A partition whose leader is unknown, moving
/// or unreachable is retried, its leader looked up again in the cluster's metadata, until it is written,
/// the coordinator lost its partition, or the retry window passed (the coordinator's timer goes on later).
/// </summary>
internal sealed class TransactionMarkerSender(TransactionMarkerWriter local, ClusterMetadata metadata, ClusterInfo cluster, ILogger logger) : IDisposable
{
    private const short WriteTxnMarkersVersion = 1;
    private static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<int, BrokerLink> _links = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// Writes every marker; returns, by position, None for a partition that has its marker (or needs none:
    /// gone, or its producer moved to a newer epoch), else the last error: TRANSACTION_COORDINATOR_FENCED
    /// (a newer coordinator owns the transaction), or a retriable one left when retrying stopped.
    /// </summary>
    public async Task<ErrorCode[]> SendAsync(TransactionMarkers markers, Func<bool> stillCoordinator)
    {
        var results = new ErrorCode[markers.Partitions.Count];
        var pending = Enumerable.Range(0, results.Length).ToList();
        var started = Stopwatch.StartNew();
        var backoff = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var changed = metadata.Changed.NextPulse;
            await Task.WhenAll(pending.GroupBy(i => Destination(markers.Partitions[i])).Select(d => SendAsync(markers, d.Key, [.. d], results))).ConfigureAwait(false);
            pending = [.. pending.Where(i => IsRetriable(results[i]))];
            if (pending.Count == 0 || !stillCoordinator() || started.Elapsed > RetryWindow || _stopping.IsCancellationRequested)
            {
                return results;
            }

            // A leader change usually ends the wait early: the new leader is in the next view.
            try
            {
                await changed.WaitAsync(backoff, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                // Retry anyway.
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var link in _links.Values)
        {
            link.Dispose();
        }

        _stopping.Dispose();
    }

    private static bool IsRetriable(ErrorCode error) => error is not (ErrorCode.None or ErrorCode.TransactionCoordinatorFenced);

    /// <summary>The broker to send a partition's marker to: this one (-1) when it leads it or there is no cluster, -2 when no leader is known.</summary>
    private int Destination((string Topic, int Partition) partition)
    {
        if (!metadata.Enabled)
        {
            return -1;
        }

        var view = metadata.View;
        if (view.Replicas(partition.Topic, partition.Partition) is null)
        {
            // Gone from the cluster (deleted): the local writer answers it as needing no marker.
            return -1;
        }

        return view.State(partition.Topic, partition.Partition) is { } state && view.Brokers.ContainsKey(state.Leader)
            ? state.Leader == cluster.NodeId ? -1 : state.Leader
            : -2;
    }

    private async Task SendAsync(TransactionMarkers markers, int destination, List<int> indexes, ErrorCode[] results)
    {
        switch (destination)
        {
            case -1:
                var written = await Task.WhenAll(indexes.Select(i => local.WriteAsync(
                    markers.Partitions[i].Topic, markers.Partitions[i].Partition, markers.ProducerId, markers.ProducerEpoch, markers.CoordinatorEpoch, markers.Commit))).ConfigureAwait(false);
                for (var k = 0; k < indexes.Count; k++)
                {
                    results[indexes[k]] = Outcome(written[k]);
                }

                break;
            case -2:
                foreach (var i in indexes)
                {
                    results[i] = ErrorCode.NotLeaderOrFollower;
                }

                break;
            default:
                await SendToBrokerAsync(markers, destination, indexes, results).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>One WriteTxnMarkers carrying every partition <paramref name="broker"/> leads; a failed exchange leaves them all to retry.</summary>
    private async Task SendToBrokerAsync(TransactionMarkers markers, int broker, List<int> indexes, ErrorCode[] results)
    {
        var request = new WriteTxnMarkersRequest
        {
            Markers =
            [
                new WriteTxnMarkersRequest.WritableTxnMarker
                {
                    ProducerId = markers.ProducerId,
                    ProducerEpoch = markers.ProducerEpoch,
                    TransactionResult = markers.Commit,
                    CoordinatorEpoch = markers.CoordinatorEpoch,
                    Topics = [.. indexes.GroupBy(i => markers.Partitions[i].Topic, StringComparer.Ordinal).Select(t => new WriteTxnMarkersRequest.WritableTxnMarkerTopic
                    {
                        Name = t.Key,
                        PartitionIndexes = [.. t.Select(i => markers.Partitions[i].Partition)],
                    })],
                },
            ],
        };
        foreach (var i in indexes)
        {
            // Unless the answer names the partition.
            results[i] = ErrorCode.NetworkException;
        }

        if (!metadata.View.Brokers.TryGetValue(broker, out var registration))
        {
            return;
        }

        try
        {
            var link = _links.GetOrAdd(broker, static id => new BrokerLink(id));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(RequestTimeout);
            var response = await link.SendAsync<WriteTxnMarkersResponse>(registration, request, WriteTxnMarkersVersion, timeout.Token).ConfigureAwait(false);
            var answered = response.Markers.SelectMany(m => m.Topics.SelectMany(t => t.Partitions.Select(p => ((t.Name, p.PartitionIndex), (ErrorCode)p.ErrorCode))))
                .ToDictionary(a => a.Item1, a => a.Item2);
            foreach (var i in indexes)
            {
                if (answered.TryGetValue(markers.Partitions[i], out var error))
                {
                    results[i] = Outcome(error);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ProtocolException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogMarkersToBrokerFailed(markers.ProducerId, broker, e.Message);
        }
    }

    /// <summary>Kafka's reading of a marker write: a producer already at a newer epoch, or a partition that is gone, needs no marker.</summary>
    private static ErrorCode Outcome(ErrorCode error)
        => error is ErrorCode.InvalidProducerEpoch or ErrorCode.UnknownTopicOrPartition ? ErrorCode.None : error;

    /// <summary>The kept connection to one broker: requests go one at a time; a failed exchange drops it, the next request reconnects.</summary>
    private sealed class BrokerLink(int brokerId) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private ReplicaChannel? _channel;
        private (string Host, int Port) _endpoint;

        public async Task<TResponse> SendAsync<TResponse>(BrokerRegistration broker, IRequestMessage request, short version, CancellationToken cancellationToken)
            where TResponse : IResponseMessage, new()
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_channel is null || _endpoint != (broker.Host, broker.Port))
                {
                    _channel?.Dispose();
                    _channel = null;
                    _channel = await ReplicaChannel.ConnectAsync(new BrokerEndpoint(brokerId, broker.Host, broker.Port), "platform-txn-markers", cancellationToken).ConfigureAwait(false);
                    _endpoint = (broker.Host, broker.Port);
                }

                try
                {
                    return await _channel.SendAsync<TResponse>(request, version, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _channel.Dispose();
                    _channel = null;
                    throw;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose()
        {
            _channel?.Dispose();
            _gate.Dispose();
        }
    }
}
