using System.Diagnostics.CodeAnalysis;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>
/// The client's view of a cluster: one shared connection per broker, opened on first use and
/// replaced when it closes, the broker addresses learned from Metadata, and the controller's id.
/// </summary>
internal sealed class ClusterConnections : IAsyncDisposable
{
    private readonly IReadOnlyList<BrokerAddress> _bootstrap;
    private readonly Lock _lock = new();
    private readonly Dictionary<BrokerAddress, Task<KafkaConnection>> _connections = [];
    private readonly Dictionary<int, BrokerAddress> _nodes = [];
    private int _controllerId = -1;
    private bool _disposed;

    public ClusterConnections(IReadOnlyList<BrokerAddress> bootstrap, KafkaConnectionOptions options)
    {
        _bootstrap = bootstrap;
        Options = options;
    }

    public KafkaConnectionOptions Options { get; }

    /// <summary>A connection to <paramref name="address"/>, shared by all callers.</summary>
    public Task<KafkaConnection> GetAsync(BrokerAddress address, CancellationToken cancellationToken)
    {
        Task<KafkaConnection> connecting;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_connections.TryGetValue(address, out connecting!)
                || connecting.IsFaulted || connecting.IsCanceled
                || (connecting.IsCompletedSuccessfully && connecting.Result.IsClosed))
            {
                if (connecting is { IsCompletedSuccessfully: true })
                {
                    _ = connecting.Result.DisposeAsync().AsTask();
                }

                // Not tied to one caller's token: other callers share the attempt. ConnectTimeout bounds it.
                connecting = KafkaConnection.ConnectAsync(address, Options, CancellationToken.None);
                _ = connecting.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                _connections[address] = connecting;
            }
        }

        return connecting.WaitAsync(cancellationToken);
    }

    /// <summary>A connection to broker <paramref name="nodeId"/>; refreshes metadata when the id is unknown.</summary>
    public async Task<KafkaConnection> GetNodeAsync(int nodeId, CancellationToken cancellationToken)
    {
        if (TryGetNodeAddress(nodeId, out var address))
        {
            return await GetAsync(address, cancellationToken).ConfigureAwait(false);
        }

        await RefreshMetadataAsync([], cancellationToken).ConfigureAwait(false);
        if (TryGetNodeAddress(nodeId, out address))
        {
            return await GetAsync(address, cancellationToken).ConfigureAwait(false);
        }

        throw new KafkaException(new Error(ErrorCode.BrokerNotAvailable, $"Broker {nodeId} is not in the cluster metadata."));
    }

    /// <summary>A connection to the controller (where admin requests go), or to any broker if none is known.</summary>
    public async Task<KafkaConnection> GetControllerAsync(CancellationToken cancellationToken)
    {
        int controllerId;
        lock (_lock)
        {
            controllerId = _controllerId;
        }

        if (controllerId < 0)
        {
            await RefreshMetadataAsync([], cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                controllerId = _controllerId;
            }
        }

        return controllerId >= 0
            ? await GetNodeAsync(controllerId, cancellationToken).ConfigureAwait(false)
            : await GetAnyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets the controller, e.g. after NOT_CONTROLLER.</summary>
    public void InvalidateController()
    {
        lock (_lock)
        {
            _controllerId = -1;
        }
    }

    /// <summary>Any usable connection: an open one if there is one, else the first broker that answers.</summary>
    public async Task<KafkaConnection> GetAnyAsync(CancellationToken cancellationToken)
    {
        List<BrokerAddress> candidates;
        lock (_lock)
        {
            foreach (var connecting in _connections.Values)
            {
                if (connecting.IsCompletedSuccessfully && !connecting.Result.IsClosed)
                {
                    return connecting.Result;
                }
            }

            candidates = [.. _bootstrap];
            foreach (var node in _nodes.Values)
            {
                if (!candidates.Contains(node))
                {
                    candidates.Add(node);
                }
            }
        }

        var failures = new List<string>();
        foreach (var address in candidates)
        {
            try
            {
                return await GetAsync(address, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.NetworkException)
            {
                failures.Add(ex.Message);
            }
        }

        throw new KafkaException(new Error(
            ErrorCode.NetworkException,
            $"No broker could be reached ({string.Join(", ", candidates)}): {string.Join(" ", failures)}"));
    }

    /// <summary>Asks any broker for metadata (all topics when <paramref name="topics"/> is null) and learns brokers and controller from it.</summary>
    public async Task<(MetadataResponse Response, KafkaConnection Source)> RefreshMetadataAsync(
        IReadOnlyCollection<string>? topics,
        CancellationToken cancellationToken)
    {
        var request = new MetadataRequest
        {
            AllowAutoTopicCreation = false,
            Topics = topics?.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t }).ToList(),
        };
        for (var attempt = 1; ; attempt++)
        {
            var connection = await GetAnyAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var response = await connection.SendAsync<MetadataResponse>(request, cancellationToken).ConfigureAwait(false);
                Learn(response);
                return (response, connection);
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.NetworkException && connection.IsClosed && attempt < MetadataAttempts)
            {
                // The broker went away with the request in flight (killed, say): any broker can answer, and its
                // connection is closed now, so the next attempt asks another one instead of failing the caller
                // (a consumer's periodic metadata check failed a Connect sink task this way).
            }
        }
    }

    /// <summary>How many brokers one metadata refresh tries when each goes away with the request in flight.</summary>
    private const int MetadataAttempts = 3;

    /// <summary>Learns the brokers and the controller from a Metadata response obtained elsewhere.</summary>
    public void Learn(MetadataResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        lock (_lock)
        {
            _nodes.Clear();
            foreach (var broker in response.Brokers)
            {
                _nodes[broker.NodeId] = new BrokerAddress(broker.Host, broker.Port);
            }

            _controllerId = response.ControllerId;
        }
    }

    /// <summary>
    /// The open connection with the fewest requests in flight (Kafka's least-loaded node), or null
    /// when no connection is open yet.
    /// </summary>
    public KafkaConnection? LeastLoadedOpen()
    {
        KafkaConnection? best = null;
        lock (_lock)
        {
            foreach (var connecting in _connections.Values)
            {
                if (connecting.IsCompletedSuccessfully && connecting.Result is { IsClosed: false } candidate
                    && (best is null || candidate.InFlightCount < best.InFlightCount))
                {
                    best = candidate;
                }
            }
        }

        return best;
    }

    /// <summary>Remembers a broker's address learned outside Metadata (a FindCoordinator answer).</summary>
    public void LearnNode(int nodeId, BrokerAddress address)
    {
        lock (_lock)
        {
            _nodes[nodeId] = address;
        }
    }

    /// <summary>The address of <paramref name="nodeId"/> from the last metadata, if known.</summary>
    public bool TryGetNodeAddress(int nodeId, [NotNullWhen(true)] out BrokerAddress? address)
    {
        lock (_lock)
        {
            return _nodes.TryGetValue(nodeId, out address);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Task<KafkaConnection>> connections;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connections = [.. _connections.Values];
            _connections.Clear();
        }

        foreach (var connecting in connections)
        {
            try
            {
                await (await connecting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (KafkaException)
            {
                // It never connected; nothing to close.
            }
        }
    }
}
