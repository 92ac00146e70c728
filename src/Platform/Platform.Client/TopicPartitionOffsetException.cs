namespace Platform.Client;

/// <summary>
/// An operation on several partitions (a commit) failed for at least one; <see cref="Results"/>
/// holds every partition's outcome and <see cref="KafkaException.Error"/> the first failure.
/// </summary>
public sealed class TopicPartitionOffsetException : KafkaException
{
    /// <summary>Creates the exception from every partition's outcome.</summary>
    public TopicPartitionOffsetException(IReadOnlyList<TopicPartitionOffsetError> results, string operation)
        : base(Summarize(results, operation))
    {
        Results = results;
    }

    /// <summary>Every partition's outcome, in the order given.</summary>
    public IReadOnlyList<TopicPartitionOffsetError> Results { get; }

    private static Error Summarize(IReadOnlyList<TopicPartitionOffsetError> results, string operation)
    {
        ArgumentNullException.ThrowIfNull(results);
        var failures = results.Where(r => r.Error.IsError).ToList();
        var first = failures.Count > 0 ? failures[0].Error : Error.NoError;
        return new Error(first.Code, $"{operation} failed for {failures.Count} of {results.Count}: {string.Join("; ", failures.Select(f => $"{f.TopicPartition}: {f.Error.Reason}"))}");
    }
}
