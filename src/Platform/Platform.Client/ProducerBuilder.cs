using Platform.Client.Producer;
using Platform.Client.Serialization;

namespace Platform.Client;

/// <summary>Builds an <see cref="IProducer{TKey,TValue}"/>: configuration, serializers, partitioner, handlers, interceptors.</summary>
/// <typeparam name="TKey">Key type.</typeparam>
/// <typeparam name="TValue">Value type.</typeparam>
public class ProducerBuilder<TKey, TValue>
{
    private readonly List<KeyValuePair<string, string>> _config;
    private readonly List<IProducerInterceptor<TKey, TValue>> _interceptors = [];
    private readonly Dictionary<string, PartitionerDelegate> _partitioners = new(StringComparer.Ordinal);
    private ISerializer<TKey>? _keySerializer;
    private ISerializer<TValue>? _valueSerializer;
    private IAsyncSerializer<TKey>? _asyncKeySerializer;
    private IAsyncSerializer<TValue>? _asyncValueSerializer;
    private PartitionerDelegate? _defaultPartitioner;
    private Action<IProducer<TKey, TValue>, Error>? _errorHandler;

    /// <summary>Starts from <paramref name="config"/>, e.g. a <see cref="ProducerConfig"/>.</summary>
    public ProducerBuilder(IEnumerable<KeyValuePair<string, string>> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config.ToList();
    }

    /// <summary>Sets the key serializer (default for string, byte[], <see cref="Null"/>, int, long, double: the built-ins).</summary>
    public ProducerBuilder<TKey, TValue> SetKeySerializer(ISerializer<TKey> serializer)
    {
        _keySerializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        _asyncKeySerializer = null;
        return this;
    }

    /// <summary>Sets an asynchronous key serializer.</summary>
    public ProducerBuilder<TKey, TValue> SetKeySerializer(IAsyncSerializer<TKey> serializer)
    {
        _asyncKeySerializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        _keySerializer = null;
        return this;
    }

    /// <summary>Sets the value serializer.</summary>
    public ProducerBuilder<TKey, TValue> SetValueSerializer(ISerializer<TValue> serializer)
    {
        _valueSerializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        _asyncValueSerializer = null;
        return this;
    }

    /// <summary>Sets an asynchronous value serializer.</summary>
    public ProducerBuilder<TKey, TValue> SetValueSerializer(IAsyncSerializer<TValue> serializer)
    {
        _asyncValueSerializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        _valueSerializer = null;
        return this;
    }

    /// <summary>Uses <paramref name="partitioner"/> for records of <paramref name="topic"/> without an explicit partition.</summary>
    public ProducerBuilder<TKey, TValue> SetPartitioner(string topic, PartitionerDelegate partitioner)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        _partitioners[topic] = partitioner ?? throw new ArgumentNullException(nameof(partitioner));
        return this;
    }

    /// <summary>Uses <paramref name="partitioner"/> for every topic without a topic-specific one (instead of <c>partitioner</c>).</summary>
    public ProducerBuilder<TKey, TValue> SetDefaultPartitioner(PartitionerDelegate partitioner)
    {
        _defaultPartitioner = partitioner ?? throw new ArgumentNullException(nameof(partitioner));
        return this;
    }

    /// <summary>
    /// Receives errors that belong to no single call: failed fire-and-forget records, a throwing
    /// delivery handler or interceptor, a fatal producer-id failure.
    /// </summary>
    public ProducerBuilder<TKey, TValue> SetErrorHandler(Action<IProducer<TKey, TValue>, Error> errorHandler)
    {
        _errorHandler = errorHandler ?? throw new ArgumentNullException(nameof(errorHandler));
        return this;
    }

    /// <summary>Adds an interceptor; interceptors run in the order added.</summary>
    public ProducerBuilder<TKey, TValue> AddInterceptor(IProducerInterceptor<TKey, TValue> interceptor)
    {
        _interceptors.Add(interceptor ?? throw new ArgumentNullException(nameof(interceptor)));
        return this;
    }

    /// <summary>Validates the configuration and creates the producer; no connection is opened before the first record.</summary>
    /// <exception cref="ArgumentException">A property is unknown, missing or malformed, or a type has no serializer.</exception>
    public virtual IProducer<TKey, TValue> Build()
    {
        var settings = ProducerSettings.Parse(_config);
        var keySerializer = _keySerializer ?? (_asyncKeySerializer is null ? BuiltIn<TKey>("key") : null);
        var valueSerializer = _valueSerializer ?? (_asyncValueSerializer is null ? BuiltIn<TValue>("value") : null);
        return new Producer.Producer<TKey, TValue>(
            settings,
            new SerializerPair<TKey>(keySerializer, _asyncKeySerializer),
            new SerializerPair<TValue>(valueSerializer, _asyncValueSerializer),
            new Dictionary<string, PartitionerDelegate>(_partitioners, StringComparer.Ordinal),
            _defaultPartitioner,
            _errorHandler,
            [.. _interceptors]);
    }

    private static ISerializer<T> BuiltIn<T>(string what)
    {
        object? serializer = typeof(T) switch
        {
            var t when t == typeof(string) => Serializers.Utf8,
            var t when t == typeof(byte[]) => Serializers.ByteArray,
            var t when t == typeof(ReadOnlyMemory<byte>?) => Serializers.ByteMemory,
            var t when t == typeof(Null) => Serializers.Null,
            var t when t == typeof(int) => Serializers.Int32,
            var t when t == typeof(long) => Serializers.Int64,
            var t when t == typeof(double) => Serializers.Double,
            _ => null,
        };
        return serializer as ISerializer<T>
            ?? throw new ArgumentException($"No built-in {what} serializer for {typeof(T).Name}; call Set{char.ToUpperInvariant(what[0])}{what[1..]}Serializer.");
    }
}
