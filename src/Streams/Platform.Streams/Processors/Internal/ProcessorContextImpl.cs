using Platform.Client;
using Platform.Streams.State;

namespace Platform.Streams.Processors.Internal;

/// <summary>The context one processor node sees: forwards to its own children, reaches its own stores.</summary>
internal sealed class ProcessorContextImpl<TKeyOut, TValueOut>(
    TaskContext task,
    ProcessorNode node,
    Receiver<TKeyOut, TValueOut>[] children,
    string[] storeNames) : IProcessorContext<TKeyOut, TValueOut>
{
    /// <summary>What the task's nodes share.</summary>
    public TaskContext Task => task;

    public string ApplicationId => task.ApplicationId;

    public TaskId TaskId => task.TaskId;

    public RecordMetadata? RecordMetadata => task.Metadata;

    public long CurrentStreamTimeMs => task.StreamTime;

    public long CurrentSystemTimeMs => task.Clock.NowMs;

    public StreamsConfig Config => task.Config;

    public void Forward(Record<TKeyOut, TValueOut> record, string? childName = null)
    {
        var timestamp = task.Timestamp;
        var headers = task.Headers;
        if (childName is null && record.Timestamp == timestamp && ReferenceEquals(headers, record.Headers))
        {
            // The common case: the record carries the context's own timestamp and headers. Nothing is set, so nothing
            // needs setting back (each child's own forwards put back what they change), and no try/finally is run.
            for (var i = 0; i < children.Length; i++)
            {
                children[i].Process(record);
            }

            return;
        }

        ForwardInContext(record, childName, timestamp, headers);
    }

    private void ForwardInContext(Record<TKeyOut, TValueOut> record, string? childName, long timestamp, Headers? headers)
    {
        // The child sees this record's timestamp and headers as the record context; the parent gets its own back.
        // The headers are mostly the same object all along a record's way: set only when they differ, a reference
        // written to the heap costs a GC write barrier, per node a record passes.
        var sameHeaders = ReferenceEquals(headers, record.Headers);
        task.Timestamp = record.Timestamp;
        if (!sameHeaders)
        {
            task.Headers = record.Headers;
        }

        try
        {
            if (childName is null)
            {
                for (var i = 0; i < children.Length; i++)
                {
                    children[i].Process(record);
                }
            }
            else
            {
                ForwardTo(record, childName);
            }
        }
        finally
        {
            task.Timestamp = timestamp;
            if (!sameHeaders)
            {
                task.Headers = headers;
            }
        }
    }

    public TStore GetStateStore<TStore>(string name) where TStore : IStateStore
    {
        IStateStore? store = null;
        if (Array.IndexOf(storeNames, name) >= 0)
        {
            task.Stores.TryGetValue(name, out store);
        }
        else if (task.GlobalStores.TryGetValue(name, out var global))
        {
            store = global;
        }

        if (store is null)
        {
            throw new InvalidOperationException(
                $"Processor '{node.Name}' has no access to state store '{name}': add it with Topology.AddStateStore(builder, \"{node.Name}\") or ConnectProcessorAndStateStores.");
        }

        return store is TStore typed
            ? typed
            : throw new InvalidOperationException($"State store '{name}' is a {store.GetType().Name}, not a {typeof(TStore).Name} (processor '{node.Name}').");
    }

    public ICancellable Schedule(TimeSpan interval, PunctuationType type, Action<long> punctuator)
    {
        ArgumentNullException.ThrowIfNull(punctuator);
        var intervalMs = (long)interval.TotalMilliseconds;
        if (intervalMs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"Punctuation interval of processor '{node.Name}' must be at least 1 ms.");
        }

        return type == PunctuationType.StreamTime
            // Aligned to 0: fires as soon as there is stream time, as in Kafka.
            ? task.StreamTimePunctuations.Schedule(node, 0, intervalMs, punctuator)
            : task.WallClockPunctuations.Schedule(node, task.Clock.NowMs + intervalMs, intervalMs, punctuator);
    }

    public void Commit() => task.CommitRequested = true;

    private void ForwardTo(Record<TKeyOut, TValueOut> record, string childName)
    {
        for (var i = 0; i < children.Length; i++)
        {
            if (children[i].Name == childName)
            {
                children[i].Process(record);
                return;
            }
        }

        throw new InvalidOperationException($"Processor '{node.Name}' has no child named '{childName}'.");
    }
}
