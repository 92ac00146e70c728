using Microsoft.Extensions.Logging;
using Platform.Client;
using Platform.Client.Serialization;
using Platform.Streams.Processors.Internal;
using Platform.Streams.SerDes;

namespace Platform.Streams.Runtime;

/// <summary>
/// Writes the elements of an in-process <see cref="IObservable{T}"/> to a topic with an idempotent producer of
/// the instance, from when the instance starts until the source completes or the instance closes.
/// </summary>
internal sealed partial class ObservableFeed<TKey, TValue>(
    IObservable<KeyValuePair<TKey, TValue>> source,
    string topic,
    ISerde<TKey>? keySerde,
    ISerde<TValue>? valueSerde) : IStreamsAttachment
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private IProducer<byte[]?, byte[]?>? _producer;
    private IDisposable? _subscription;
    private ISerializer<TKey> _keySerializer = null!;
    private ISerializer<TValue> _valueSerializer = null!;
    private Action<DeliveryReport<byte[]?, byte[]?>> _onDelivery = null!;
    private ILogger _logger = null!;
    private long _failed;

    /// <summary>The topic the feed writes.</summary>
    public string Topic { get; } = topic;

    public void Start(StreamsConfig config, string clientId, ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger("Platform.Streams.ObservableFeed");
        _keySerializer = keySerde ?? Defaults.Serde<TKey>(config, isKey: true, $"the observable feed of topic '{Topic}'");
        _valueSerializer = valueSerde ?? Defaults.Serde<TValue>(config, isKey: false, $"the observable feed of topic '{Topic}'");
        var settings = config.ProducerSettings();
        settings["client.id"] = $"{clientId}-feed-{Topic}";
        settings.Remove("transactional.id");

        // Retries after a lost acknowledgement must not write an element twice.
        settings["enable.idempotence"] = "true";
        _onDelivery = OnDelivery;
        lock (_gate)
        {
            _producer = new ProducerBuilder<byte[]?, byte[]?>(settings).Build();
        }

        _subscription = source.Subscribe(OnNext, OnError, OnCompleted);
    }

    public void Stop()
    {
        _subscription?.Dispose();
        _subscription = null;
        IProducer<byte[]?, byte[]?>? producer;
        lock (_gate)
        {
            producer = _producer;
            _producer = null;
        }

        if (producer is null)
        {
            return;
        }

        try
        {
            producer.Flush(FlushTimeout);
        }
        finally
        {
            producer.Dispose();
        }
    }

    public void Complete(Exception? error)
    {
    }

    private void OnNext(KeyValuePair<TKey, TValue> element)
    {
        var key = _keySerializer.Serialize(element.Key, new SerializationContext(MessageComponentType.Key, Topic, null));
        var value = _valueSerializer.Serialize(element.Value, new SerializationContext(MessageComponentType.Value, Topic, null));

        // Produce blocks while the producer's buffer is full: a fast source is slowed to what the broker takes.
        lock (_gate)
        {
            _producer?.Produce(Topic, new Message<byte[]?, byte[]?> { Key = key, Value = value }, _onDelivery);
        }
    }

    private void OnError(Exception error) => LogSourceFailed(error, Topic);

    private void OnCompleted()
    {
        lock (_gate)
        {
            _producer?.Flush(FlushTimeout);
        }

        LogSourceCompleted(Topic);
    }

    private void OnDelivery(DeliveryReport<byte[]?, byte[]?> report)
    {
        if (report.Error.IsError && Interlocked.Increment(ref _failed) == 1)
        {
            LogWriteFailed(Topic, report.Error.Reason);
        }
    }

    [LoggerMessage(EventId = 9156, Level = LogLevel.Error, Message = "The observable feeding topic {Topic} ended with an error; the elements before it were written")]
    private partial void LogSourceFailed(Exception exception, string topic);

    [LoggerMessage(EventId = 9157, Level = LogLevel.Information, Message = "The observable feeding topic {Topic} completed and its elements were flushed")]
    private partial void LogSourceCompleted(string topic);

    [LoggerMessage(EventId = 9158, Level = LogLevel.Error, Message = "The observable feed could not write to topic {Topic} (further failures are not logged): {Reason}")]
    private partial void LogWriteFailed(string topic, string reason);
}
