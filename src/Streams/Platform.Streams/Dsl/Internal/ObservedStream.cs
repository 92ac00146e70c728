using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Platform.Streams.Processors;
using Platform.Streams.Runtime;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// The hot observable behind <see cref="KStreamObservableExtensions.AsObservable{TKey,TValue}"/>: every task's
/// observing processor publishes here, one call at a time (tasks of several threads publish concurrently).
/// </summary>
internal sealed class ObservedStream<TKey, TValue> : IObservable<Record<TKey, TValue>>, IStreamsAttachment
{
    private readonly Subject<Record<TKey, TValue>> _subject = new();
    private readonly Lock _gate = new();

    public IDisposable Subscribe(IObserver<Record<TKey, TValue>> observer) => _subject.Subscribe(observer);

    /// <summary>Hands one processed record to the observers, on the calling stream thread.</summary>
    public void Publish(Record<TKey, TValue> record)
    {
        lock (_gate)
        {
            _subject.OnNext(record);
        }
    }

    public void Start(StreamsConfig config, string clientId, ILoggerFactory loggerFactory)
    {
    }

    public void Stop()
    {
    }

    public void Complete(Exception? error)
    {
        lock (_gate)
        {
            if (error is null)
            {
                _subject.OnCompleted();
            }
            else
            {
                _subject.OnError(error);
            }
        }
    }
}
