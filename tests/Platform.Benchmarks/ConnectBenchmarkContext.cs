using Platform.Connect;
using Platform.Connect.Connectors;

namespace Platform.Benchmarks;

/// <summary>The runtime's side of a sink task for the connect benchmark: one partition, errant records counted.</summary>
internal sealed class ConnectBenchmarkContext(IReadOnlyDictionary<string, string> config) : ISinkTaskContext
{
    public static readonly TopicPartitionRef Partition = new("bench", 0);

    public int Errant { get; private set; }

    public IReadOnlyDictionary<string, string> Config { get; } = config;

    public IReadOnlyCollection<TopicPartitionRef> Assignment { get; } = [Partition];

    public void Offset(TopicPartitionRef partition, long offset)
    {
    }

    public void Timeout(TimeSpan backoff)
    {
    }

    public void Pause(IEnumerable<TopicPartitionRef> partitions)
    {
    }

    public void Resume(IEnumerable<TopicPartitionRef> partitions)
    {
    }

    public void RequestCommit()
    {
    }

    public Task ReportErrantRecordAsync(SinkRecord record, Exception error, CancellationToken cancellationToken = default)
    {
        Errant++;
        return Task.CompletedTask;
    }
}
