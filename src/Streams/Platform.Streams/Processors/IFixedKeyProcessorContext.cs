using Platform.Streams.State;

namespace Platform.Streams.Processors;

/// <summary>The context of an <see cref="IFixedKeyProcessor{TKey,TValueIn,TValueOut}"/>: as <see cref="IProcessorContext{TKeyOut,TValueOut}"/>, but forwarding keeps the key.</summary>
public interface IFixedKeyProcessorContext<TKey, TValueOut>
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
    void Forward(FixedKeyRecord<TKey, TValueOut> record, string? childName = null);

    /// <summary>A store connected to this processor.</summary>
    /// <exception cref="InvalidOperationException">No store of that name is connected to this processor.</exception>
    TStore GetStateStore<TStore>(string name) where TStore : IStateStore;

    /// <summary>Calls <paramref name="punctuator"/> with the current time every <paramref name="interval"/> of stream or wall-clock time.</summary>
    ICancellable Schedule(TimeSpan interval, PunctuationType type, Action<long> punctuator);

    /// <summary>Asks for a commit as soon as possible.</summary>
    void Commit();
}
