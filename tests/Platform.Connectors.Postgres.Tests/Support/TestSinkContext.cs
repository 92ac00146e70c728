using Platform.Connect;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Postgres.Tests.Support;

/// <summary>Stands in for the runtime around a sink task: records seeks, backoffs and errant records.</summary>
public sealed class TestSinkContext(IReadOnlyDictionary<string, string> config, params TopicPartitionRef[] assignment) : ISinkTaskContext
{
    public IReadOnlyDictionary<string, string> Config { get; } = config;

    public IReadOnlyCollection<TopicPartitionRef> Assignment { get; } = assignment;

    public Dictionary<TopicPartitionRef, long> Seeks { get; } = [];

    public List<TimeSpan> Backoffs { get; } = [];

    public List<(SinkRecord Record, Exception Error)> Errant { get; } = [];

    public void Offset(TopicPartitionRef partition, long offset) => Seeks[partition] = offset;

    public void Timeout(TimeSpan backoff) => Backoffs.Add(backoff);

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
        Errant.Add((record, error));
        return Task.CompletedTask;
    }

    public async Task<T> StartAsync<T>(T task) where T : SinkTask
    {
        task.Initialize(this);
        await task.StartAsync(Config);
        await task.OpenAsync(Assignment);
        return task;
    }
}
