using Platform.Connect;
using Platform.Connect.Connectors;

namespace Platform.Connectors.Testing;

/// <summary>Runs a source task the way the worker does: poll, then acknowledge (commit the record and store its offset).</summary>
public sealed class SourceTaskDriver : IAsyncDisposable
{
    private SourceTaskDriver(SourceTask task, TestSourceContext context)
    {
        Task = task;
        Context = context;
    }

    public SourceTask Task { get; }

    public TestSourceContext Context { get; }

    public static async Task<SourceTaskDriver> StartAsync(SourceTask task, IReadOnlyDictionary<string, string> config, TestOffsetStore? offsets = null)
    {
        var context = new TestSourceContext(config, offsets);
        task.Initialize(context);
        await task.StartAsync(config);
        return new SourceTaskDriver(task, context);
    }

    /// <summary>Polls until <paramref name="count"/> records arrived (or the deadline passed), without acknowledging.</summary>
    public async Task<List<SourceRecord>> PollAsync(int count, TimeSpan? deadline = null)
    {
        var records = new List<SourceRecord>();
        using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(20));
        while (records.Count < count && !timeout.IsCancellationRequested)
        {
            try
            {
                records.AddRange(await Task.PollAsync(timeout.Token));
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                break;
            }
        }

        return records;
    }

    /// <summary>Polls for a while and returns everything; for checking that nothing (more) comes.</summary>
    public async Task<List<SourceRecord>> PollForAsync(TimeSpan duration)
    {
        var records = new List<SourceRecord>();
        using var timeout = new CancellationTokenSource(duration);
        while (!timeout.IsCancellationRequested)
        {
            try
            {
                records.AddRange(await Task.PollAsync(timeout.Token));
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                break;
            }
        }

        return records;
    }

    public async Task AcknowledgeAsync(IEnumerable<SourceRecord> records)
    {
        foreach (var record in records)
        {
            await Task.CommitRecordAsync(record, new RecordMetadata(record.Topic, 0, 0, DateTimeOffset.UtcNow));
            Context.Offsets.Commit(record);
        }

        await Task.CommitAsync();
    }

    public async Task<List<SourceRecord>> PollAndAcknowledgeAsync(int count)
    {
        var records = await PollAsync(count);
        await AcknowledgeAsync(records);
        return records;
    }

    public async ValueTask DisposeAsync() => await Task.StopAsync();
}
