namespace Platform.Client.Admin;

/// <summary>Settings shared by admin operations.</summary>
public abstract class AdminOptions
{
    /// <summary>
    /// How long the broker may take to complete the operation (e.g. wait for a topic's leaders) before
    /// answering; sent as the request's <c>timeout_ms</c>. Null uses <c>request.timeout.ms</c>.
    /// </summary>
    public TimeSpan? OperationTimeout { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.CreateTopicsAsync"/>.</summary>
public sealed class CreateTopicsOptions : AdminOptions
{
    /// <summary>Only check that the topics could be created.</summary>
    public bool ValidateOnly { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.DeleteTopicsAsync"/>.</summary>
public sealed class DeleteTopicsOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.CreatePartitionsAsync"/>.</summary>
public sealed class CreatePartitionsOptions : AdminOptions
{
    /// <summary>Only check that the partitions could be added.</summary>
    public bool ValidateOnly { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.ListTopicsAsync"/>.</summary>
public sealed class ListTopicsOptions : AdminOptions
{
    /// <summary>Include internal topics such as <c>__consumer_offsets</c>.</summary>
    public bool ListInternal { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.DescribeTopicsAsync"/>.</summary>
public sealed class DescribeTopicsOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.DescribeConfigsAsync"/>.</summary>
public sealed class DescribeConfigsOptions : AdminOptions
{
    /// <summary>Also return the lower-precedence values of each config.</summary>
    public bool IncludeSynonyms { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.IncrementalAlterConfigsAsync"/>.</summary>
public sealed class IncrementalAlterConfigsOptions : AdminOptions
{
    /// <summary>Only check that the changes could be made.</summary>
    public bool ValidateOnly { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.ListOffsetsAsync"/>.</summary>
public sealed class ListOffsetsOptions : AdminOptions
{
    /// <summary>Whether <see cref="OffsetSpec.Latest"/> means the high watermark or the last stable offset.</summary>
    public IsolationLevel IsolationLevel { get; set; } = IsolationLevel.ReadUncommitted;
}

/// <summary>Options of <see cref="IAdminClient.DescribeClusterAsync"/>.</summary>
public sealed class DescribeClusterOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.ListConsumerGroupsAsync"/>.</summary>
public sealed class ListConsumerGroupsOptions : AdminOptions
{
    /// <summary>Only groups in these states (asked of the broker with ListGroups v4+, else filtered here); null or empty for all.</summary>
    public IReadOnlyCollection<ConsumerGroupState>? MatchStates { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.DescribeConsumerGroupsAsync"/>.</summary>
public sealed class DescribeConsumerGroupsOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.DeleteGroupsAsync"/>.</summary>
public sealed class DeleteGroupsOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.ListConsumerGroupOffsetsAsync"/>.</summary>
public sealed class ListConsumerGroupOffsetsOptions : AdminOptions
{
    /// <summary>Wait for pending transactional offsets instead of returning them unstable (OffsetFetch <c>require_stable</c>).</summary>
    public bool RequireStableOffsets { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.AlterConsumerGroupOffsetsAsync"/>.</summary>
public sealed class AlterConsumerGroupOffsetsOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.DeleteConsumerGroupOffsetsAsync"/>.</summary>
public sealed class DeleteConsumerGroupOffsetsOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.ListTransactionsAsync"/>; filters combine with "and".</summary>
public sealed class ListTransactionsOptions : AdminOptions
{
    /// <summary>Only these states (Kafka's names: <c>Ongoing</c>, <c>CompleteCommit</c>...); all when empty.</summary>
    public IReadOnlyCollection<string> States { get; set; } = [];

    /// <summary>Only these producer ids; all when empty.</summary>
    public IReadOnlyCollection<long> ProducerIds { get; set; } = [];

    /// <summary>Only transactions open at least this long (needs ListTransactions v1 on the broker).</summary>
    public TimeSpan? MinDuration { get; set; }
}

/// <summary>Options of <see cref="IAdminClient.DescribeTransactionsAsync"/>.</summary>
public sealed class DescribeTransactionsOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.DescribeProducersAsync"/>.</summary>
public sealed class DescribeProducersOptions : AdminOptions
{
}

/// <summary>Options of <see cref="IAdminClient.AbortTransactionAsync"/>.</summary>
public sealed class AbortTransactionOptions : AdminOptions
{
}
