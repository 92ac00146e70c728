using Platform.Streams.State;

namespace Platform.Streams.Processors;

/// <summary>A handle that cancels a scheduled punctuator.</summary>
public interface ICancellable
{
    /// <summary>Stops the punctuator.</summary>
    void Cancel();
}

/// <summary>What a processor can do besides processing: forward, use stores, schedule, read record metadata.</summary>
public interface IProcessorContext<TKeyOut, TValueOut>
{
    /// <summary>The <c>application.id</c>.</summary>
    string ApplicationId { get; }

    /// <summary>The task this processor instance belongs to.</summary>
    TaskId TaskId { get; }

    /// <summary>The source coordinates of the record being processed; null inside a punctuator.</summary>
    RecordMetadata? RecordMetadata { get; }

    /// <summary>The task's stream time: the largest record timestamp seen so far (ms).</summary>
    long CurrentStreamTimeMs { get; }

    /// <summary>The wall-clock time (ms), mockable in the test driver.</summary>
    long CurrentSystemTimeMs { get; }

    /// <summary>The application's configuration.</summary>
    StreamsConfig Config { get; }

    /// <summary>Sends a record to every child, or only to the child named <paramref name="childName"/>.</summary>
    void Forward(Record<TKeyOut, TValueOut> record, string? childName = null);

    /// <summary>A store connected to this processor.</summary>
    /// <exception cref="InvalidOperationException">No store of that name is connected to this processor.</exception>
    TStore GetStateStore<TStore>(string name) where TStore : IStateStore;

    /// <summary>Calls <paramref name="punctuator"/> with the current time every <paramref name="interval"/> of stream or wall-clock time.</summary>
    ICancellable Schedule(TimeSpan interval, PunctuationType type, Action<long> punctuator);

    /// <summary>Asks for a commit as soon as possible.</summary>
    void Commit();
}
