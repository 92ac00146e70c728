namespace Platform.Client.Admin;

/// <summary>
/// Manages topics and configs and inspects the cluster. Built by <see cref="AdminClientBuilder"/>.
/// Operations on several items throw a subclass of <see cref="AdminOperationException{TResult}"/>
/// carrying every item's outcome when at least one fails; transport failures throw <see cref="KafkaException"/>.
/// </summary>
public interface IAdminClient : IAsyncDisposable, IDisposable
{
    /// <summary>The <c>client.id</c> this client sends.</summary>
    string Name { get; }

    /// <summary>Fetches cluster metadata for <paramref name="topics"/>, or for all topics when null.</summary>
    Task<Metadata> GetMetadataAsync(IEnumerable<string>? topics = null, CancellationToken cancellationToken = default);

    /// <summary>Fetches metadata for all topics, blocking up to <paramref name="timeout"/> (confluent-kafka-dotnet's shape).</summary>
    Metadata GetMetadata(TimeSpan timeout);

    /// <summary>Fetches metadata for one topic, blocking up to <paramref name="timeout"/>.</summary>
    Metadata GetMetadata(string topic, TimeSpan timeout);

    /// <summary>Lists the topics of the cluster, sorted by name.</summary>
    Task<IReadOnlyList<TopicListing>> ListTopicsAsync(ListTopicsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Describes topics: partitions, leaders, replicas, in-sync replicas.</summary>
    /// <exception cref="DescribeTopicsException">A topic does not exist or could not be described.</exception>
    Task<DescribeTopicsResult> DescribeTopicsAsync(IEnumerable<string> topics, DescribeTopicsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Creates topics.</summary>
    /// <exception cref="CreateTopicsException">At least one topic was not created.</exception>
    Task CreateTopicsAsync(IEnumerable<TopicSpecification> topics, CreateTopicsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes topics.</summary>
    /// <exception cref="DeleteTopicsException">At least one topic was not deleted.</exception>
    Task DeleteTopicsAsync(IEnumerable<string> topics, DeleteTopicsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Increases the partition counts of topics.</summary>
    /// <exception cref="CreatePartitionsException">At least one topic was not changed.</exception>
    Task CreatePartitionsAsync(IEnumerable<PartitionsSpecification> partitionsSpecifications, CreatePartitionsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Describes the configs of resources (topics, brokers).</summary>
    /// <exception cref="DescribeConfigsException">At least one resource could not be described.</exception>
    Task<List<DescribeConfigsResult>> DescribeConfigsAsync(IEnumerable<ConfigResource> resources, DescribeConfigsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Sets, deletes, appends to or subtracts from individual configs of resources.</summary>
    /// <exception cref="IncrementalAlterConfigsException">At least one resource was not changed.</exception>
    Task<List<IncrementalAlterConfigsResult>> IncrementalAlterConfigsAsync(
        IDictionary<ConfigResource, List<ConfigEntry>> configs,
        IncrementalAlterConfigsOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Looks up offsets (earliest, latest, by timestamp) of partitions, asking each partition's leader.</summary>
    /// <exception cref="ListOffsetsException">At least one lookup failed.</exception>
    Task<ListOffsetsResult> ListOffsetsAsync(IEnumerable<TopicPartitionOffsetSpec> topicPartitionOffsets, ListOffsetsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Describes the cluster: id, controller, brokers.</summary>
    Task<DescribeClusterResult> DescribeClusterAsync(DescribeClusterOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Lists the consumer groups of every broker (confluent-kafka-dotnet's shape: broker failures are in <see cref="ListConsumerGroupsResult.Errors"/>).</summary>
    Task<ListConsumerGroupsResult> ListConsumerGroupsAsync(ListConsumerGroupsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Describes groups: state, assignor, members with their subscriptions and assignments decoded, coordinator.</summary>
    /// <exception cref="DescribeConsumerGroupsException">A group could not be described.</exception>
    Task<DescribeConsumerGroupsResult> DescribeConsumerGroupsAsync(IEnumerable<string> groups, DescribeConsumerGroupsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes empty groups with their committed offsets.</summary>
    /// <exception cref="DeleteGroupsException">A group was not deleted (NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND).</exception>
    Task DeleteGroupsAsync(IEnumerable<string> groups, DeleteGroupsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Fetches the committed offsets of groups (all partitions, or the ones named).</summary>
    /// <exception cref="ListConsumerGroupOffsetsException">A group or partition failed.</exception>
    Task<List<ListConsumerGroupOffsetsResult>> ListConsumerGroupOffsetsAsync(
        IEnumerable<ConsumerGroupTopicPartitions> groupPartitions,
        ListConsumerGroupOffsetsOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits offsets for groups from outside the group (generation -1, no member id), which the
    /// coordinator accepts only while the group has no members.
    /// </summary>
    /// <exception cref="AlterConsumerGroupOffsetsException">A partition failed (UNKNOWN_MEMBER_ID while the group is active).</exception>
    Task<List<AlterConsumerGroupOffsetsResult>> AlterConsumerGroupOffsetsAsync(
        IEnumerable<ConsumerGroupTopicPartitionOffsets> groupPartitions,
        AlterConsumerGroupOffsetsOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Deletes a group's committed offsets of some partitions (OffsetDelete).</summary>
    /// <exception cref="DeleteConsumerGroupOffsetsException">The group or a partition failed (GROUP_SUBSCRIBED_TO_TOPIC while consumed).</exception>
    Task<DeleteConsumerGroupOffsetsResult> DeleteConsumerGroupOffsetsAsync(
        string group,
        IEnumerable<TopicPartition> partitions,
        DeleteConsumerGroupOffsetsOptions? options = null,
        CancellationToken cancellationToken = default);
    /// <summary>The producers each partition's leader keeps state for, with the first offset of each one's open transaction.</summary>
    /// <exception cref="DescribeProducersException">At least one partition could not be described.</exception>
    Task<IReadOnlyList<DescribeProducersResult>> DescribeProducersAsync(IEnumerable<TopicPartition> partitions, DescribeProducersOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Lists the transactional ids every broker coordinates, filtered by state, producer id and duration.</summary>
    Task<IReadOnlyList<TransactionListing>> ListTransactionsAsync(ListTransactionsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Describes transactional ids, asking each one's coordinator: state, producer, timeout, start time, partitions.</summary>
    /// <exception cref="DescribeTransactionsException">At least one id could not be described (TRANSACTIONAL_ID_NOT_FOUND...).</exception>
    Task<IReadOnlyList<TransactionDescription>> DescribeTransactionsAsync(IEnumerable<string> transactionalIds, DescribeTransactionsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Aborts a hanging transaction on one partition by having its leader write the ABORT marker
    /// (WriteTxnMarkers), releasing the last stable offset. For transactions whose coordinator lost track of them.
    /// </summary>
    Task AbortTransactionAsync(AbortTransactionSpec spec, AbortTransactionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>ElectLeaders: a preferred or unclean election for <paramref name="partitions"/> (all partitions when null); one outcome per partition.</summary>
    Task<IReadOnlyList<TopicPartitionError>> ElectLeadersAsync(ElectionType electionType, IEnumerable<TopicPartition>? partitions, CancellationToken cancellationToken = default);

    /// <summary>AlterPartitionReassignments: moves each partition to its new replicas (null cancels the move in progress).</summary>
    Task<IReadOnlyList<TopicPartitionError>> AlterPartitionReassignmentsAsync(
        IReadOnlyDictionary<TopicPartition, IReadOnlyList<int>?> reassignments, CancellationToken cancellationToken = default);

    /// <summary>ListPartitionReassignments: the moves in progress (of <paramref name="partitions"/>, or all when null).</summary>
    Task<IReadOnlyDictionary<TopicPartition, PartitionReassignment>> ListPartitionReassignmentsAsync(
        IEnumerable<TopicPartition>? partitions, CancellationToken cancellationToken = default);
}
