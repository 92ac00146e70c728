using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Cluster;

/// <summary>
/// The cluster's shared state in etcd: live brokers (leased keys), the controller (a leased key whose create
/// revision is the controller epoch), topic assignments and partition states. Every write that must not be
/// made by a deposed controller compares the controller key's create revision with the writer's epoch in the
/// same transaction, and every partition-state change compares the state's mod revision (etcd's version of
/// ZooKeeper's zkVersion), so two writers never overwrite each other's newer state.
/// </summary>
/// <remarks>
/// Talks to etcd through the gRPC clients generated from etcd's API (shipped in dotnet-etcd), over one
/// channel that picks a live member among the endpoints, so losing one member of three changes nothing.
/// </remarks>
public sealed partial class EtcdClusterStore : IAsyncDisposable
{
    // etcd's default --max-txn-ops is 128; the compares count separately, so this many puts fit in one transaction.
    internal const int MaxOpsPerTransaction = 100;

    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly Lease.LeaseClient _lease;
    private readonly Watch.WatchClient _watch;
    private readonly TimeSpan _requestTimeout;

    private EtcdClusterStore(GrpcChannel channel, string root, TimeSpan requestTimeout)
    {
        _channel = channel;
        _kv = new KV.KVClient(channel);
        _lease = new Lease.LeaseClient(channel);
        _watch = new Watch.WatchClient(channel);
        Keys = new ClusterKeys(root);
        _requestTimeout = requestTimeout;
    }

    internal ClusterKeys Keys { get; }

    /// <summary>A store over the etcd members at <paramref name="endpoints"/>, all keys under <paramref name="root"/>.</summary>
    /// <param name="requestTimeout">How long one etcd call may take before it fails (5 s when null).</param>
    public static EtcdClusterStore Connect(IReadOnlyList<Uri> endpoints, string root = "/platform", TimeSpan? requestTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("At least one etcd endpoint is needed.", nameof(endpoints));
        }

        var secure = endpoints[0].Scheme == Uri.UriSchemeHttps;
        if (endpoints.Any(e => (e.Scheme == Uri.UriSchemeHttps) != secure))
        {
            throw new ArgumentException("etcd.endpoints: mixing http and https endpoints is not supported.", nameof(endpoints));
        }

        GrpcChannel channel;
        if (endpoints.Count == 1)
        {
            channel = GrpcChannel.ForAddress(endpoints[0]);
        }
        else
        {
            var addresses = endpoints.Select(e => new BalancerAddress(e.Host, e.Port)).ToArray();
            var services = new ServiceCollection();
            services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
            channel = GrpcChannel.ForAddress("static:///etcd", new GrpcChannelOptions
            {
                Credentials = secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
                ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } },
                ServiceProvider = services.BuildServiceProvider(),
            });
        }

        return new EtcdClusterStore(channel, root, requestTimeout ?? TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Registers a live broker under a lease of <paramref name="ttl"/> kept alive until the session is disposed
    /// or lost. Fails if a live broker already holds the id (Kafka's "broker id already registered").
    /// </summary>
    public async Task<BrokerSession> RegisterBrokerAsync(BrokerRegistration registration, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var leaseId = await GrantLeaseAsync(ttl, cancellationToken).ConfigureAwait(false);
        var key = Keys.Broker(registration.Id);
        var txn = new TxnRequest();
        txn.Compare.Add(Absent(key));
        txn.Success.Add(Put(key, registration, ClusterJsonContext.Default.BrokerRegistration, leaseId));
        txn.Failure.Add(Get(key));
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            await RevokeLeaseAsync(leaseId, CancellationToken.None).ConfigureAwait(false);
            var holder = response.Responses[0].ResponseRange.Kvs.Select(kv => Parse(kv.Value.Span, ClusterJsonContext.Default.BrokerRegistration)).FirstOrDefault();
            throw new ClusterException(
                $"broker.id {registration.Id} is already registered by a live broker at {holder?.Host}:{holder?.Port}: give each broker its own id.");
        }

        return new BrokerSession(this, registration, leaseId, ttl);
    }

    /// <summary>Replaces a live broker's registration (same key, same lease), e.g. to mark a controlled shutdown.</summary>
    internal async Task UpdateRegistrationAsync(BrokerSession session, BrokerRegistration registration, CancellationToken cancellationToken)
    {
        var key = Keys.Broker(registration.Id);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = Bytes(key), Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = session.LeaseId });
        txn.Success.Add(Put(key, registration, ClusterJsonContext.Default.BrokerRegistration, session.LeaseId));
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new ClusterException($"broker.id {registration.Id} is no longer registered under this broker's lease.");
        }
    }

    /// <summary>The brokers registered now, by id, and the etcd revision of that view (to watch from).</summary>
    public async Task<(IReadOnlyList<BrokerRegistration> Brokers, long Revision)> GetBrokersAsync(CancellationToken cancellationToken = default)
    {
        var response = await RangeAsync(Keys.BrokersPrefix, cancellationToken).ConfigureAwait(false);
        var brokers = response.Kvs.Select(kv => Parse(kv.Value.Span, ClusterJsonContext.Default.BrokerRegistration)).OrderBy(b => b.Id).ToArray();
        return (brokers, response.Header.Revision);
    }

    /// <summary>
    /// Becomes controller if no broker is: the controller key is created under the session's lease, so it goes
    /// when the broker dies. Returns the new controller epoch (the key's create revision), or null if another
    /// broker holds it.
    /// </summary>
    public async Task<long?> TryClaimControllerAsync(BrokerSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var txn = new TxnRequest();
        txn.Compare.Add(Absent(Keys.Controller));
        txn.Success.Add(Put(Keys.Controller, new ControllerRecord(session.Registration.Id), ClusterJsonContext.Default.ControllerRecord, session.LeaseId));
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        return response.Succeeded ? response.Header.Revision : null;
    }

    /// <summary>
    /// Waits until this broker is controller (like a campaign on ZooKeeper's <c>/controller</c>): claims the key,
    /// or watches it until its holder's lease ends and claims it then. Returns the controller epoch.
    /// </summary>
    public async Task<long> CampaignAsync(BrokerSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Lost);
        while (true)
        {
            linked.Token.ThrowIfCancellationRequested();
            if (await TryClaimControllerAsync(session, linked.Token).ConfigureAwait(false) is { } epoch)
            {
                return epoch;
            }

            var current = await GetControllerAsync(linked.Token).ConfigureAwait(false);
            if (current is null)
            {
                continue;
            }

            if (current.Value.BrokerId == session.Registration.Id)
            {
                // Still ours from an earlier term of this session (the term ended on an etcd error, not a lost lease):
                // waiting for our own key to go would leave the cluster without a controller until the lease ends.
                return current.Value.Epoch;
            }

            // Wait for the holder's key to go (its lease expired or it resigned), then try again.
            await WaitForDeleteAsync(Keys.Controller, current.Value.Epoch, linked.Token).ConfigureAwait(false);
        }
    }

    /// <summary>The current controller's broker id and epoch, or null when there is none.</summary>
    public async Task<(int BrokerId, long Epoch)?> GetControllerAsync(CancellationToken cancellationToken = default)
    {
        var response = await CallAsync((o) => _kv.RangeAsync(new RangeRequest { Key = Bytes(Keys.Controller) }, o), cancellationToken).ConfigureAwait(false);
        if (response.Kvs.Count == 0)
        {
            return null;
        }

        var kv = response.Kvs[0];
        return (Parse(kv.Value.Span, ClusterJsonContext.Default.ControllerRecord).BrokerId, kv.CreateRevision);
    }

    /// <summary>Gives up the controller role of <paramref name="epoch"/> (a controlled shutdown), so another broker takes it at once.</summary>
    public async Task ResignControllerAsync(long epoch, CancellationToken cancellationToken = default)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(ControllerIs(epoch));
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(Keys.Controller) } });
        await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a topic with its assignment and the first state of each partition, as the controller of
    /// <paramref name="controllerEpoch"/>. Returns false if the topic exists. The partition states are written
    /// first (in transactions of at most <see cref="MaxOpsPerTransaction"/>, each fenced and each requiring the
    /// topic to be absent) and the topic key last, so a reader that finds the topic finds every partition.
    /// </summary>
    /// <exception cref="NotControllerException">Another broker has become controller since.</exception>
    public async Task<bool> CreateTopicAsync(
        long controllerEpoch, string topic, TopicAssignment assignment, IReadOnlyList<PartitionState> states, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count != assignment.Replicas.Length)
        {
            throw new ArgumentException($"{states.Count} partition states for {assignment.Replicas.Length} partitions.", nameof(states));
        }

        var topicKey = Keys.Topic(topic);
        for (var first = 0; first < states.Count; first += MaxOpsPerTransaction)
        {
            var txn = FencedTxn(controllerEpoch);
            txn.Compare.Add(Absent(topicKey));
            for (var p = first; p < Math.Min(states.Count, first + MaxOpsPerTransaction); p++)
            {
                txn.Success.Add(Put(Keys.Partition(topic, p), states[p], ClusterJsonContext.Default.PartitionState));
            }

            if (!await FencedCommitAsync(txn, controllerEpoch, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        var last = FencedTxn(controllerEpoch);
        last.Compare.Add(Absent(topicKey));
        last.Success.Add(Put(topicKey, assignment, ClusterJsonContext.Default.TopicAssignment));
        return await FencedCommitAsync(last, controllerEpoch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a topic's assignment and every partition state, as the controller of <paramref name="controllerEpoch"/>.</summary>
    /// <exception cref="NotControllerException">Another broker has become controller since.</exception>
    public async Task<bool> DeleteTopicAsync(long controllerEpoch, string topic, CancellationToken cancellationToken = default)
    {
        var txn = FencedTxn(controllerEpoch);
        txn.Compare.Add(new Compare { Key = Bytes(Keys.Topic(topic)), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(Keys.Topic(topic)) } });
        var prefix = Keys.Partitions(topic);
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(prefix), RangeEnd = Bytes(ClusterKeys.RangeEnd(prefix)) } });
        return await FencedCommitAsync(txn, controllerEpoch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces a topic's assignment (reassignment, CreatePartitions) if it is still at <paramref name="expectedModRevision"/>.</summary>
    /// <exception cref="NotControllerException">Another broker has become controller since.</exception>
    public async Task<long?> TryUpdateTopicAsync(
        long controllerEpoch, string topic, TopicAssignment assignment, long expectedModRevision, CancellationToken cancellationToken = default)
    {
        var txn = FencedTxn(controllerEpoch);
        txn.Compare.Add(ModifiedAt(Keys.Topic(topic), expectedModRevision));
        txn.Success.Add(Put(Keys.Topic(topic), assignment, ClusterJsonContext.Default.TopicAssignment));
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        return await FencedResultAsync(response, controllerEpoch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces a topic's assignment and, in the same transaction, one partition's state (a reassignment completing
    /// or cancelled: the replicas and the ISR lose the removed brokers at once, so no broker ever sees an ISR member
    /// that is not a replica). Applies only while both are still at their expected revisions; returns the new revision, or null.
    /// </summary>
    /// <exception cref="NotControllerException">Another broker has become controller since.</exception>
    public async Task<long?> TryUpdateTopicAndPartitionAsync(
        long controllerEpoch, string topic, TopicAssignment assignment, long expectedTopicRevision,
        int partition, PartitionState state, long expectedStateRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(state);
        var txn = FencedTxn(controllerEpoch);
        txn.Compare.Add(ModifiedAt(Keys.Topic(topic), expectedTopicRevision));
        txn.Compare.Add(ModifiedAt(Keys.Partition(topic, partition), expectedStateRevision));
        txn.Success.Add(Put(Keys.Topic(topic), assignment, ClusterJsonContext.Default.TopicAssignment));
        txn.Success.Add(Put(Keys.Partition(topic, partition), state, ClusterJsonContext.Default.PartitionState));
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        return await FencedResultAsync(response, controllerEpoch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Grows a topic (CreatePartitions): the new partitions' states first (fenced, and only while the topic is
    /// still at <paramref name="expectedModRevision"/>), then the grown assignment, so readers see the new
    /// partitions only once each has a state. Returns the assignment's new mod revision, or null if the topic changed.
    /// </summary>
    /// <exception cref="NotControllerException">Another broker has become controller since.</exception>
    public async Task<long?> TryAddPartitionsAsync(
        long controllerEpoch, string topic, TopicAssignment grown, long expectedModRevision, IReadOnlyList<PartitionState> newStates,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grown);
        ArgumentNullException.ThrowIfNull(newStates);
        var topicKey = Keys.Topic(topic);
        var firstNew = grown.Replicas.Length - newStates.Count;
        for (var first = 0; first < newStates.Count; first += MaxOpsPerTransaction)
        {
            var txn = FencedTxn(controllerEpoch);
            txn.Compare.Add(ModifiedAt(topicKey, expectedModRevision));
            for (var i = first; i < Math.Min(newStates.Count, first + MaxOpsPerTransaction); i++)
            {
                txn.Success.Add(Put(Keys.Partition(topic, firstNew + i), newStates[i], ClusterJsonContext.Default.PartitionState));
            }

            if (!await FencedCommitAsync(txn, controllerEpoch, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        return await TryUpdateTopicAsync(controllerEpoch, topic, grown, expectedModRevision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every topic's assignment with the revision it was read at.</summary>
    public async Task<(IReadOnlyDictionary<string, Versioned<TopicAssignment>> Topics, long Revision)> GetTopicsAsync(CancellationToken cancellationToken = default)
    {
        var response = await RangeAsync(Keys.TopicsPrefix, cancellationToken).ConfigureAwait(false);
        var topics = response.Kvs.ToDictionary(
            kv => kv.Key.ToStringUtf8()[Keys.TopicsPrefix.Length..],
            kv => new Versioned<TopicAssignment>(Parse(kv.Value.Span, ClusterJsonContext.Default.TopicAssignment), kv.ModRevision),
            StringComparer.Ordinal);
        return (topics, response.Header.Revision);
    }

    /// <summary>One topic's assignment, or null if there is none.</summary>
    /// <summary>The dynamic configs stored for a broker id or <c>&lt;default&gt;</c> (empty if none).</summary>
    public async Task<Dictionary<string, string>> GetBrokerConfigsAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync((o) => _kv.RangeAsync(new RangeRequest { Key = Bytes(Keys.BrokerConfigs(name)) }, o), cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? new(StringComparer.Ordinal) : Parse(response.Kvs[0].Value.Span, ClusterJsonContext.Default.DictionaryStringString);
    }

    /// <summary>Stores (or, when empty, deletes) the dynamic configs of a broker id or <c>&lt;default&gt;</c>, fenced by the controller epoch.</summary>
    public async Task SetBrokerConfigsAsync(long controllerEpoch, string name, Dictionary<string, string> configs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configs);
        var key = Keys.BrokerConfigs(name);
        var txn = FencedTxn(controllerEpoch);
        txn.Success.Add(configs.Count == 0
            ? new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(key) } }
            : Put(key, configs, ClusterJsonContext.Default.DictionaryStringString));
        await FencedCommitAsync(txn, controllerEpoch, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Versioned<TopicAssignment>?> GetTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync((o) => _kv.RangeAsync(new RangeRequest { Key = Bytes(Keys.Topic(topic)) }, o), cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0
            ? null
            : new Versioned<TopicAssignment>(Parse(response.Kvs[0].Value.Span, ClusterJsonContext.Default.TopicAssignment), response.Kvs[0].ModRevision);
    }

    /// <summary>Every partition's state, or only <paramref name="topic"/>'s, with the revision it was read at.</summary>
    public async Task<(IReadOnlyDictionary<(string Topic, int Partition), Versioned<PartitionState>> States, long Revision)> GetPartitionStatesAsync(
        string? topic = null, CancellationToken cancellationToken = default)
    {
        var response = await RangeAsync(topic is null ? Keys.PartitionsPrefix : Keys.Partitions(topic), cancellationToken).ConfigureAwait(false);
        var states = response.Kvs.ToDictionary(
            kv => Keys.ParsePartition(kv.Key.ToStringUtf8()),
            kv => new Versioned<PartitionState>(Parse(kv.Value.Span, ClusterJsonContext.Default.PartitionState), kv.ModRevision));
        return (states, response.Header.Revision);
    }

    /// <summary>One partition's state, or null if there is none.</summary>
    public async Task<Versioned<PartitionState>?> GetPartitionStateAsync(string topic, int partition, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync((o) => _kv.RangeAsync(new RangeRequest { Key = Bytes(Keys.Partition(topic, partition)) }, o), cancellationToken)
            .ConfigureAwait(false);
        return response.Kvs.Count == 0
            ? null
            : new Versioned<PartitionState>(Parse(response.Kvs[0].Value.Span, ClusterJsonContext.Default.PartitionState), response.Kvs[0].ModRevision);
    }

    /// <summary>
    /// Replaces a partition's state if it is still the one at <paramref name="expectedModRevision"/>: the leader
    /// shrinking or expanding its ISR (no <paramref name="controllerEpoch"/>), or the controller electing a leader
    /// (fenced by its epoch). Returns the new mod revision, or null if the state changed in between (read it again).
    /// </summary>
    /// <exception cref="NotControllerException">A <paramref name="controllerEpoch"/> was given and another broker has become controller since.</exception>
    public async Task<long?> TryUpdatePartitionStateAsync(
        string topic, int partition, PartitionState state, long expectedModRevision, long? controllerEpoch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var key = Keys.Partition(topic, partition);
        var txn = controllerEpoch is { } epoch ? FencedTxn(epoch) : new TxnRequest();
        txn.Compare.Add(ModifiedAt(key, expectedModRevision));
        txn.Success.Add(Put(key, state, ClusterJsonContext.Default.PartitionState));
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        if (controllerEpoch is { } fenced)
        {
            return await FencedResultAsync(response, fenced, cancellationToken).ConfigureAwait(false);
        }

        return response.Succeeded ? response.Header.Revision : null;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    internal async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var seconds = (long)Math.Ceiling(ttl.TotalSeconds);
        if (seconds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "A lease lasts at least one second.");
        }

        var response = await CallAsync((o) => _lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, o), cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(response.Error))
        {
            throw new ClusterException($"etcd refused a lease: {response.Error}");
        }

        return response.ID;
    }

    internal async Task RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync((o) => _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, o), cancellationToken).ConfigureAwait(false);
        }
        catch (ClusterException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.NotFound })
        {
            // Already expired: nothing left to revoke.
        }
    }

    internal AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> OpenKeepAlive(CancellationToken cancellationToken)
        => _lease.LeaseKeepAlive(cancellationToken: cancellationToken);

    internal AsyncDuplexStreamingCall<WatchRequest, WatchResponse> OpenWatch(CancellationToken cancellationToken)
        => _watch.Watch(cancellationToken: cancellationToken);

    /// <summary>One etcd call with the request timeout; gRPC failures become <see cref="ClusterException"/>s that say etcd failed.</summary>
    private async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(new CallOptions(deadline: DateTime.UtcNow + _requestTimeout, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            throw new ClusterException($"etcd call failed: {ex.Status.StatusCode}: {ex.Status.Detail}", ex);
        }
    }

    private Task<RangeResponse> RangeAsync(string prefix, CancellationToken cancellationToken)
        => CallAsync((o) => _kv.RangeAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = Bytes(ClusterKeys.RangeEnd(prefix)) }, o), cancellationToken);

    private TxnRequest FencedTxn(long controllerEpoch)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(ControllerIs(controllerEpoch));
        return txn;
    }

    /// <summary>Commits a fenced transaction: true if it applied, false if another compare failed, throws if the fence did.</summary>
    private async Task<bool> FencedCommitAsync(TxnRequest txn, long controllerEpoch, CancellationToken cancellationToken)
    {
        var response = await CallAsync((o) => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        return await FencedResultAsync(response, controllerEpoch, cancellationToken).ConfigureAwait(false) is not null;
    }

    private async Task<long?> FencedResultAsync(TxnResponse response, long controllerEpoch, CancellationToken cancellationToken)
    {
        if (response.Succeeded)
        {
            return response.Header.Revision;
        }

        var current = await GetControllerAsync(cancellationToken).ConfigureAwait(false);
        if (current?.Epoch != controllerEpoch)
        {
            throw new NotControllerException(
                $"Controller epoch {controllerEpoch} is over: the controller is now {(current is { } c ? $"broker {c.BrokerId} (epoch {c.Epoch})" : "none")}.");
        }

        return null;
    }

    private Compare ControllerIs(long epoch)
        => new() { Key = Bytes(Keys.Controller), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = epoch };

    private static Compare Absent(string key)
        => new() { Key = Bytes(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 };

    private static Compare ModifiedAt(string key, long modRevision)
        => new() { Key = Bytes(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = modRevision };

    private static RequestOp Put<T>(string key, T value, JsonTypeInfo<T> type, long leaseId = 0)
        => new() { RequestPut = new PutRequest { Key = Bytes(key), Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(value, type)), Lease = leaseId } };

    private static RequestOp Get(string key) => new() { RequestRange = new RangeRequest { Key = Bytes(key) } };

    internal static ByteString Bytes(string value) => ByteString.CopyFromUtf8(value);

    internal static T Parse<T>(ReadOnlySpan<byte> value, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(value, type) ?? throw new ClusterException($"etcd holds a null {typeof(T).Name}.");
        }
        catch (JsonException ex)
        {
            throw new ClusterException($"etcd holds a {typeof(T).Name} that does not parse: {ex.Message}", ex);
        }
    }
}
