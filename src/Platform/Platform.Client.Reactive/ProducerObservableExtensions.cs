using System.Reactive.Disposables;
using System.Reactive.Linq;

namespace Platform.Client.Reactive;

/// <summary>
/// <see cref="IObservable{T}"/> adapters for producers, to compose with System.Reactive operators.
/// </summary>
public static class ProducerObservableExtensions
{
    /// <summary>
    /// Produces every message of <paramref name="messages"/> to <paramref name="topic"/> (partitioned
    /// as by <see cref="IProducer{TKey,TValue}.Produce(string, Message{TKey,TValue}, Action{DeliveryReport{TKey,TValue}}?)"/>)
    /// and pushes the delivery report of each.
    /// </summary>
    /// <remarks>
    /// <para>Nothing is produced until the result is subscribed; each subscription subscribes to
    /// <paramref name="messages"/> once and produces what it yields. Messages are handed to the producer
    /// on the thread that yields them, which blocks like <c>Produce</c> while <c>buffer.memory</c> is
    /// full: the back-pressure a push source gets.</para>
    /// <para>A record that fails (too large, serialization, delivery, <c>max.block.ms</c>) comes as a
    /// report whose <see cref="DeliveryReport{TKey,TValue}.Error"/> is set, not as <c>OnError</c>: the
    /// stream goes on. <c>OnError</c> means the stream itself ended: the source failed, or the producer
    /// refused to take records at all (e.g. it was disposed). When the source completes, waiting
    /// records are sent without waiting for <c>linger.ms</c>, and the stream completes once every
    /// report is in.</para>
    /// <para>Reports of one partition come in produce order, on the producer's sender thread (keep
    /// observers short, as for delivery handlers); a record refused before it was queued is reported
    /// at once on the producing thread. Disposing the subscription unsubscribes from the source, so
    /// nothing more is produced; records already handed to the producer are still delivered, but their
    /// reports are no longer pushed.</para>
    /// </remarks>
    public static IObservable<DeliveryReport<TKey, TValue>> ProduceObservable<TKey, TValue>(
        this IProducer<TKey, TValue> producer,
        string topic,
        IObservable<Message<TKey, TValue>> messages)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(messages);
        return Create(producer, topic, -1, messages);
    }

    /// <summary>
    /// Produces every message of <paramref name="messages"/> to one partition and pushes the delivery
    /// report of each; see <see cref="ProduceObservable{TKey,TValue}(IProducer{TKey,TValue}, string, IObservable{Message{TKey,TValue}})"/>.
    /// </summary>
    public static IObservable<DeliveryReport<TKey, TValue>> ProduceObservable<TKey, TValue>(
        this IProducer<TKey, TValue> producer,
        TopicPartition topicPartition,
        IObservable<Message<TKey, TValue>> messages)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(topicPartition);
        ArgumentNullException.ThrowIfNull(messages);
        return Create(producer, topicPartition.Topic, topicPartition.Partition, messages);
    }

    private static IObservable<DeliveryReport<TKey, TValue>> Create<TKey, TValue>(IProducer<TKey, TValue> producer, string topic, int partition, IObservable<Message<TKey, TValue>> messages)
        => Observable.Create<DeliveryReport<TKey, TValue>>(observer => new Pipe<TKey, TValue>(producer, topic, partition, observer).Start(messages));

    /// <summary>One subscription: the source's messages in, their reports out.</summary>
    private sealed class Pipe<TKey, TValue> : IObserver<Message<TKey, TValue>>
    {
        private readonly IProducer<TKey, TValue> _producer;
        private readonly string _topic;
        private readonly TopicPartition? _partition;

        // Reports come from the sender thread and, for records refused at once, from the source's
        // thread: the lock keeps observer calls one at a time, as Rx requires.
        private readonly Lock _gate = new();
        private readonly IObserver<DeliveryReport<TKey, TValue>> _observer;
        private readonly Action<DeliveryReport<TKey, TValue>> _onReport;
        private readonly SingleAssignmentDisposable _source = new();
        private readonly CancellationDisposable _cancel = new();

        // Records handed to the producer and not yet reported, plus one while the source is live:
        // whoever brings it to zero completes the stream.
        private long _pending = 1;
        private bool _stopped;

        /// <summary>A pipe to <paramref name="topic"/>, to its <paramref name="partition"/> or, when -1, to the partitioner's choice.</summary>
        public Pipe(IProducer<TKey, TValue> producer, string topic, int partition, IObserver<DeliveryReport<TKey, TValue>> observer)
        {
            _producer = producer;
            _topic = topic;
            _partition = partition < 0 ? null : new TopicPartition(topic, partition);
            _observer = observer;
            _onReport = OnReport;
        }

        public CompositeDisposable Start(IObservable<Message<TKey, TValue>> messages)
        {
            _source.Disposable = messages.Subscribe(this);
            return new CompositeDisposable(_source, _cancel);
        }

        public void OnNext(Message<TKey, TValue> value)
        {
            if (_cancel.IsDisposed || Volatile.Read(ref _stopped))
            {
                return;
            }

            Interlocked.Increment(ref _pending);
            try
            {
                if (_partition is null)
                {
                    _producer.Produce(_topic, value, _onReport);
                }
                else
                {
                    _producer.Produce(_partition, value, _onReport);
                }
            }
            catch (ProduceException<TKey, TValue> ex)
            {
                var result = ex.DeliveryResult;
                OnReport(new DeliveryReport<TKey, TValue>
                {
                    Topic = result.Topic,
                    Partition = result.Partition,
                    Offset = result.Offset,
                    Status = result.Status,
                    Message = result.Message ?? value,
                    Timestamp = result.Timestamp,
                    Error = ex.Error,
                });
            }
            catch (KafkaException ex) when (!ex.Error.IsFatal)
            {
                // Metadata or buffer memory did not come within max.block.ms: this record failed, the next may not.
                OnReport(new DeliveryReport<TKey, TValue>
                {
                    Topic = _topic,
                    Partition = _partition?.Partition ?? -1,
                    Message = value,
                    Status = PersistenceStatus.NotPersisted,
                    Error = ex.Error,
                });
            }
            catch (Exception ex)
            {
                // The producer itself cannot take records (disposed, fenced, bad state): the stream is over.
                Fail(ex);
            }
        }

        public void OnError(Exception error) => Fail(error);

        public void OnCompleted()
        {
            // Reports may wait for linger.ms; the source is done, so do not make the stream wait for them.
            _producer.FlushAsync(_cancel.Token).ContinueWith(
                static t => _ = t.Exception,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            Settle();
        }

        private void OnReport(DeliveryReport<TKey, TValue> report)
        {
            lock (_gate)
            {
                if (!_stopped)
                {
                    _observer.OnNext(report);
                }
            }

            Settle();
        }

        private void Settle()
        {
            if (Interlocked.Decrement(ref _pending) != 0)
            {
                return;
            }

            lock (_gate)
            {
                if (!_stopped)
                {
                    _stopped = true;
                    _observer.OnCompleted();
                }
            }
        }

        private void Fail(Exception error)
        {
            _source.Dispose();
            lock (_gate)
            {
                if (!_stopped)
                {
                    _stopped = true;
                    _observer.OnError(error);
                }
            }
        }
    }
}
