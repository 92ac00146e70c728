namespace Platform.Client.Admin;

/// <summary>
/// An admin operation on several items failed for at least one of them. <see cref="Results"/> holds
/// the outcome of every item, successes included; <see cref="KafkaException.Error"/> is the first failure
/// and the message lists them all.
/// </summary>
/// <typeparam name="TResult">The per-item outcome.</typeparam>
public abstract class AdminOperationException<TResult> : KafkaException
{
    /// <summary>Creates the exception from every item's outcome.</summary>
    protected AdminOperationException(string operation, IReadOnlyList<TResult> results, Func<TResult, string> name, Func<TResult, Error> error)
        : base(Summarize(operation, results, name, error))
    {
        Results = results;
    }

    /// <summary>The outcome of every item, in the order asked.</summary>
    public IReadOnlyList<TResult> Results { get; }

    private static Error Summarize(string operation, IReadOnlyList<TResult> results, Func<TResult, string> name, Func<TResult, Error> error)
    {
        ArgumentNullException.ThrowIfNull(results);
        var failures = results.Where(r => error(r).IsError).ToList();
        var first = failures.Count > 0 ? error(failures[0]) : Error.NoError;
        var detail = string.Join("; ", failures.Select(r => $"{name(r)}: {error(r).Reason}"));
        return new Error(first.Code, $"{operation} failed for {failures.Count} of {results.Count}: {detail}");
    }
}

/// <summary>Creating some topics failed; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class CreateTopicsException(IReadOnlyList<CreateTopicReport> results)
    : AdminOperationException<CreateTopicReport>("Creating topics", results, r => r.Topic, r => r.Error);

/// <summary>Deleting some topics failed; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class DeleteTopicsException(IReadOnlyList<DeleteTopicReport> results)
    : AdminOperationException<DeleteTopicReport>("Deleting topics", results, r => r.Topic, r => r.Error);

/// <summary>Adding partitions failed for some topics; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class CreatePartitionsException(IReadOnlyList<CreatePartitionsReport> results)
    : AdminOperationException<CreatePartitionsReport>("Creating partitions", results, r => r.Topic, r => r.Error);

/// <summary>Some topics could not be described; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class DescribeTopicsException(IReadOnlyList<TopicDescription> results)
    : AdminOperationException<TopicDescription>("Describing topics", results, r => r.Name, r => r.Error);

/// <summary>Some resources' configs could not be described; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class DescribeConfigsException(IReadOnlyList<DescribeConfigsResult> results)
    : AdminOperationException<DescribeConfigsResult>("Describing configs", results, r => r.ConfigResource.ToString(), r => r.Error);

/// <summary>Altering some resources' configs failed; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class IncrementalAlterConfigsException(IReadOnlyList<IncrementalAlterConfigsResult> results)
    : AdminOperationException<IncrementalAlterConfigsResult>("Altering configs", results, r => r.ConfigResource.ToString(), r => r.Error);

/// <summary>Some offsets could not be looked up; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class ListOffsetsException(IReadOnlyList<ListOffsetsResultInfo> results)
    : AdminOperationException<ListOffsetsResultInfo>("Listing offsets", results, r => r.TopicPartition.ToString(), r => r.Error);

/// <summary>Some groups could not be described; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class DescribeConsumerGroupsException(IReadOnlyList<ConsumerGroupDescription> results)
    : AdminOperationException<ConsumerGroupDescription>("Describing consumer groups", results, r => r.GroupId, r => r.Error);

/// <summary>Deleting some groups failed; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class DeleteGroupsException(IReadOnlyList<DeleteGroupReport> results)
    : AdminOperationException<DeleteGroupReport>("Deleting groups", results, r => r.Group, r => r.Error);

/// <summary>Some groups' offsets could not be listed; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class ListConsumerGroupOffsetsException(IReadOnlyList<ListConsumerGroupOffsetsReport> results)
    : AdminOperationException<ListConsumerGroupOffsetsReport>("Listing consumer group offsets", results, r => r.Group, r => r.Error);

/// <summary>Committing offsets failed for some groups or partitions; see <see cref="AdminOperationException{TResult}.Results"/>.</summary>
public sealed class AlterConsumerGroupOffsetsException(IReadOnlyList<AlterConsumerGroupOffsetsReport> results)
    : AdminOperationException<AlterConsumerGroupOffsetsReport>("Altering consumer group offsets", results, r => r.Group, r => r.Error);

/// <summary>Deleting a group's offsets failed; see <see cref="AdminOperationException{TResult}.Results"/> (one report).</summary>
public sealed class DeleteConsumerGroupOffsetsException(DeleteConsumerGroupOffsetsReport result)
    : AdminOperationException<DeleteConsumerGroupOffsetsReport>("Deleting consumer group offsets", [result], r => r.Group, r => r.Error)
{
    /// <summary>The report of the group.</summary>
    public DeleteConsumerGroupOffsetsReport Result => Results[0];
}
