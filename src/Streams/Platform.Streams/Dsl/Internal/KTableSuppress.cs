using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.State;

namespace Platform.Streams.Dsl.Internal;

/// <summary>
/// <c>KTable.Suppress</c> (Kafka's <c>KTableSuppressProcessor</c>): buffers each key's latest update and emits it
/// when stream time reaches its buffer time + the wait: the window end + grace for final results (deletes are
/// then dropped, there is nothing final to say), the first update's time + the limit for time limits. A full
/// buffer emits its oldest entries early or stops the application, as configured.
/// </summary>
internal sealed class KTableSuppress<TKey, TValue>(Suppressed suppressed, long waitMs, string storeName, IKTableValueSource<TKey, TValue> parent)
    : IKTableValueSource<TKey, TValue>
{
    private readonly Suppressed _suppressed = suppressed;
    private readonly long _waitMs = waitMs;
    private readonly string _storeName = storeName;

    public IProcessor<TKey, Change<TValue>, TKey, Change<TValue>> Get() => new Processor(this);

    /// <summary>Reads go to the parent's rows: the buffered, not yet emitted values are visible there already.</summary>
    public IKTableValueGetterSupplier<TKey, TValue> View() => parent.View();

    public bool EnableSendingOldValues(bool forceMaterialization) => parent.EnableSendingOldValues(forceMaterialization);

    private sealed class Processor(KTableSuppress<TKey, TValue> owner) : ContextualProcessor<TKey, Change<TValue>, TKey, Change<TValue>>
    {
        private SuppressionBuffer<TKey, TValue> _buffer = null!;
        private long _observedStreamTime = -1;

        public override void Init(IProcessorContext<TKey, Change<TValue>> context)
        {
            base.Init(context);
            _buffer = context.GetStateStore<SuppressionBuffer<TKey, TValue>>(owner._storeName);
        }

        public override void Process(Record<TKey, Change<TValue>> record)
        {
            _observedStreamTime = Math.Max(_observedStreamTime, record.Timestamp);
            var time = owner._suppressed.FinalResultsOnly ? WindowEnd(record.Key) : record.Timestamp;
            _buffer.Put(time, record.Key, record.Value, record.Timestamp, record.Headers);
            EnforceConstraints();
        }

        private static long WindowEnd(TKey key) => key is IWindowedKey windowed
            ? windowed.Window.EndMs
            : throw new InvalidOperationException($"Suppress until the window closes got a key of type {typeof(TKey).Name}, which has no window.");

        private void EnforceConstraints()
        {
            var expiry = _observedStreamTime - owner._waitMs;
            while (_buffer.MinTime <= expiry)
            {
                Emit();
            }

            var config = owner._suppressed.Buffer;
            if (!OverCapacity(config))
            {
                return;
            }

            if (config.FullStrategy == BufferFullStrategy.ShutDown)
            {
                throw new StreamsException(
                    $"Suppression buffer '{owner._storeName}' exceeded its capacity: {_buffer.Count}/{config.MaxRecordsLimit} records and {_buffer.SizeInBytes}/{config.MaxBytesLimit} bytes. " +
                    "Give it a larger bound, or use EmitEarlyWhenFull() where non-final results are acceptable.");
            }

            while (OverCapacity(config))
            {
                Emit();
            }
        }

        private bool OverCapacity(BufferConfig config) => _buffer.Count > config.MaxRecordsLimit || _buffer.SizeInBytes > config.MaxBytesLimit;

        private void Emit()
        {
            var (key, change, timestamp, headers) = _buffer.EvictOldest();
            if (change.HasNew || !owner._suppressed.FinalResultsOnly)
            {
                Context.Forward(new Record<TKey, Change<TValue>>(key, change, timestamp, headers));
            }
        }
    }
}
