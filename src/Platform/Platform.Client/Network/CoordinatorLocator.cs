using System.Collections.Concurrent;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>
/// Finds and remembers each group's coordinator (FindCoordinator, key type 0; key type 1 finds the
/// transaction coordinator of a transactional id), and sends requests
/// to it: NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE (also a coordinator whose broker left the metadata)
/// forget the coordinator and look it up again,
/// COORDINATOR_LOAD_IN_PROGRESS waits a little; both up to a few attempts.
/// </summary>
internal sealed class CoordinatorLocator(ClusterConnections cluster, sbyte keyType = 0)
{
    private const int Attempts = 10;
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, int> _coordinators = new(StringComparer.Ordinal);

    public ClusterConnections Cluster => cluster;

    /// <summary>Whether <paramref name="code"/> means the request went to the wrong or an unready coordinator.</summary>
    public static bool IsCoordinatorError(ErrorCode code)
        => code is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress;

    /// <summary>The coordinator's node id for <paramref name="groupId"/>, from the cache or asked of any broker.</summary>
    /// <exception cref="KafkaException">The lookup failed with a non-retriable error, or kept failing.</exception>
    public async Task<int> FindAsync(string groupId, CancellationToken cancellationToken)
    {
        if (_coordinators.TryGetValue(groupId, out var known))
        {
            return known;
        }

        for (var attempt = 1; ; attempt++)
        {
            var connection = await cluster.GetAnyAsync(cancellationToken).ConfigureAwait(false);
            var version = connection.ApiVersions.Select(ApiKey.FindCoordinator);
            var request = version >= 4
                ? new FindCoordinatorRequest { KeyType = keyType, CoordinatorKeys = [groupId] }
                : new FindCoordinatorRequest { KeyType = keyType, Key = groupId };
            var response = await connection.SendAsync<FindCoordinatorResponse>(request, version, cancellationToken).ConfigureAwait(false);
            var (code, message, nodeId, host, port) = version >= 4 && response.Coordinators.Count > 0
                ? (response.Coordinators[0].ErrorCode, response.Coordinators[0].ErrorMessage, response.Coordinators[0].NodeId, response.Coordinators[0].Host, response.Coordinators[0].Port)
                : (response.ErrorCode, response.ErrorMessage, response.NodeId, response.Host, response.Port);
            if (code == 0)
            {
                cluster.LearnNode(nodeId, new BrokerAddress(host, port));
                _coordinators[groupId] = nodeId;
                return nodeId;
            }

            var error = Error.FromWire(code, message);
            if (!error.IsRetriable || attempt >= Attempts)
            {
                throw new KafkaException(new Error(error.Code, $"Finding the coordinator of {(keyType == 1 ? "transactional id" : "group")} '{groupId}' failed: {error.Reason}"));
            }

            await Task.Delay(Backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Forgets the coordinator of <paramref name="groupId"/> (after NOT_COORDINATOR or a lost connection).</summary>
    public void Invalidate(string groupId) => _coordinators.TryRemove(groupId, out _);

    /// <summary>A connection to the coordinator of <paramref name="groupId"/>.</summary>
    public async Task<KafkaConnection> GetAsync(string groupId, CancellationToken cancellationToken)
    {
        var nodeId = await FindAsync(groupId, cancellationToken).ConfigureAwait(false);
        try
        {
            return await cluster.GetNodeAsync(nodeId, cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.BrokerNotAvailable)
        {
            // The remembered coordinator's broker left the metadata (it died): the role has moved or will, so this is
            // the retriable COORDINATOR_NOT_AVAILABLE, and the next attempt asks FindCoordinator again.
            Invalidate(groupId);
            throw new KafkaException(new Error(ErrorCode.CoordinatorNotAvailable, ex.Error.Reason), ex);
        }
        catch (KafkaException)
        {
            Invalidate(groupId);
            throw;
        }
    }

    /// <summary>
    /// Sends a request to the coordinator of <paramref name="groupId"/>, retrying on coordinator errors
    /// reported by <paramref name="errorOf"/> (the response's group-level error).
    /// </summary>
    public async Task<TResponse> SendAsync<TResponse>(
        string groupId,
        ApiKey apiKey,
        Func<short, IRequestMessage> build,
        Func<TResponse, short> errorOf,
        CancellationToken cancellationToken,
        short? maxVersion = null)
        where TResponse : IResponseMessage, new()
    {
        for (var attempt = 1; ; attempt++)
        {
            TResponse response;
            try
            {
                var connection = await GetAsync(groupId, cancellationToken).ConfigureAwait(false);
                var version = connection.ApiVersions.Select(apiKey, maxVersion);
                response = await connection.SendAsync<TResponse>(build(version), version, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.Error.Code is ErrorCode.NetworkException or ErrorCode.CoordinatorNotAvailable && attempt < Attempts)
            {
                Invalidate(groupId);
                await Task.Delay(Backoff, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var code = (ErrorCode)errorOf(response);
            if (!IsCoordinatorError(code) || attempt >= Attempts)
            {
                return response;
            }

            if (code != ErrorCode.CoordinatorLoadInProgress)
            {
                Invalidate(groupId);
            }

            await Task.Delay(Backoff, cancellationToken).ConfigureAwait(false);
        }
    }
}
