using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.Broker.Cluster;
using Platform.Broker.Groups;
using Platform.Broker.Handlers;
using Platform.Broker.Network;
using Platform.Broker.Requests;

namespace Platform.Broker;

/// <summary>Registers the broker on a generic host.</summary>
public static class BrokerServiceCollectionExtensions
{
    /// <summary>Adds the broker: storage, topic management, the group coordinator, every API handler and the TCP listener, run by a hosted service.</summary>
    public static IServiceCollection AddPlatformBroker(this IServiceCollection services, Action<BrokerOptions>? configure = null)
    {
        var options = services.AddOptions<BrokerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ClusterInfo>();
        services.AddSingleton(sp => new ClusterMetadata { Enabled = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerOptions>>().Value.IsClustered });
        services.AddSingleton<LeaderGuard>();
        services.AddSingleton<ClusterService>();
        services.AddSingleton<ClusterAdmin>();
        services.AddSingleton<Diagnostics.BrokerMetrics>();
        services.AddSingleton<Replication.ClusterIsrStore>();
        services.TryAddSingleton<Replication.IIsrStore>(sp => sp.GetRequiredService<Replication.ClusterIsrStore>());
        services.AddSingleton(BrokerStorage.CreateLogManager);
        services.AddSingleton<TopicManager>();
        services.AddSingleton<ConfigDescriber>();
        services.AddSingleton<ProducerIdManager>();
        services.AddSingleton<ApiVersionsHandler>();
        services.AddSingleton<IApiHandler>(sp => sp.GetRequiredService<ApiVersionsHandler>());
        services.AddSingleton<TopicDescriber>();
        services.AddSingleton<IApiHandler, MetadataHandler>();
        services.AddSingleton<IApiHandler, DescribeTopicPartitionsHandler>();
        services.AddSingleton<IApiHandler, ProduceHandler>();
        services.AddSingleton<IApiHandler, FetchHandler>();
        services.AddSingleton<IApiHandler, ListOffsetsHandler>();
        services.AddSingleton<IApiHandler, CreateTopicsHandler>();
        services.AddSingleton<IApiHandler, DeleteTopicsHandler>();
        services.AddSingleton<IApiHandler, CreatePartitionsHandler>();
        services.AddSingleton<IApiHandler, DeleteRecordsHandler>();
        services.AddSingleton<IApiHandler, DescribeConfigsHandler>();
        services.AddSingleton<IApiHandler, AlterConfigsHandler>();
        services.AddSingleton<IApiHandler, IncrementalAlterConfigsHandler>();
        services.AddSingleton<IApiHandler, DescribeClusterHandler>();
        services.AddSingleton<IApiHandler, ElectLeadersHandler>();
        services.AddSingleton<IApiHandler, AlterPartitionReassignmentsHandler>();
        services.AddSingleton<IApiHandler, ListPartitionReassignmentsHandler>();
        services.AddSingleton<GroupCoordinator>();
        services.AddSingleton<IApiHandler, FindCoordinatorHandler>();
        services.AddSingleton<IApiHandler, JoinGroupHandler>();
        services.AddSingleton<IApiHandler, SyncGroupHandler>();
        services.AddSingleton<IApiHandler, HeartbeatHandler>();
        services.AddSingleton<IApiHandler, LeaveGroupHandler>();
        services.AddSingleton<IApiHandler, OffsetCommitHandler>();
        services.AddSingleton<IApiHandler, OffsetFetchHandler>();
        services.AddSingleton<IApiHandler, DescribeGroupsHandler>();
        services.AddSingleton<IApiHandler, ListGroupsHandler>();
        services.AddSingleton<IApiHandler, DeleteGroupsHandler>();
        services.AddSingleton<IApiHandler, OffsetDeleteHandler>();
        services.AddSingleton<IApiHandler, InitProducerIdHandler>();
        services.AddSingleton<Transactions.TransactionMarkerWriter>();
        services.AddSingleton<Transactions.TransactionCoordinator>();
        services.AddSingleton<IApiHandler, AddPartitionsToTxnHandler>();
        services.AddSingleton<IApiHandler, AddOffsetsToTxnHandler>();
        services.AddSingleton<IApiHandler, EndTxnHandler>();
        services.AddSingleton<IApiHandler, TxnOffsetCommitHandler>();
        services.AddSingleton<IApiHandler, WriteTxnMarkersHandler>();
        services.AddSingleton<IApiHandler, DescribeProducersHandler>();
        services.AddSingleton<IApiHandler, ListTransactionsHandler>();
        services.AddSingleton<IApiHandler, DescribeTransactionsHandler>();
        services.AddSingleton<IApiHandler, OffsetForLeaderEpochHandler>();
        services.AddSingleton<Replication.ReplicationThrottle>();
        services.AddSingleton<Replication.ReplicaManager>();
        services.AddSingleton<Replication.IReplicaManager>(sp => sp.GetRequiredService<Replication.ReplicaManager>());
        services.AddSingleton<IRequestProcessor, RequestProcessor>();
        services.TryAddSingleton(sp => new Diagnostics.LogRateLimiter(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RequestMemoryBudget(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerOptions>>().Value.QueuedMaxRequestBytes));
        services.AddSingleton<SocketServer>();
        services.AddSingleton<BrokerService>();
        services.AddHostedService(sp => sp.GetRequiredService<BrokerService>());

        // After the broker, so it registers in the cluster with its bound address and, stopping first, moves its
        // leadership away while the listener still serves. It does nothing on a single broker.
        services.AddHostedService(sp => sp.GetRequiredService<ClusterService>());
        return services;
    }
}
