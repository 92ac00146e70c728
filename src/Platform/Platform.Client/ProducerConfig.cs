using System.Globalization;
using Platform.Client.Producer;
using Platform.Protocol.RecordFormat;

namespace Platform.Client;

/// <summary>
/// Producer configuration: Kafka's property names and defaults, with typed accessors. An unset
/// property takes the default shown in its documentation; unknown names fail <c>Build()</c>.
/// </summary>
/// <remarks>
/// <c>linger.ms</c> defaults to 5 as in Kafka 4 (it was 0 before): a few milliseconds of waiting
/// fill batches far better at a negligible latency cost. <c>enable.idempotence</c> defaults to true, as
/// in the Java client; see <see cref="EnableIdempotence"/>.
/// </remarks>
public class ProducerConfig : ClientConfig
{
    /// <summary>Creates an empty configuration.</summary>
    public ProducerConfig()
    {
    }

    /// <summary>Creates a configuration holding a copy of <paramref name="properties"/>.</summary>
    public ProducerConfig(IEnumerable<KeyValuePair<string, string>> properties)
        : base(properties)
    {
    }

    /// <summary><c>acks</c>: 0, 1 or all (-1, the default).</summary>
    public Acks? Acks
    {
        get => Get("acks") switch
        {
            null => null,
            "all" or "-1" => Client.Acks.All,
            "0" => Client.Acks.None,
            "1" => Client.Acks.Leader,
            var other => throw new ArgumentException($"'acks' must be 0, 1 or all, not '{other}'."),
        };
        set => SetOrRemove("acks", value switch { null => null, Client.Acks.All => "all", var v => ((int)v).ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary><c>linger.ms</c>: how long a batch waits for more records before it is sent (default 5).</summary>
    public int? LingerMs { get => GetInt32("linger.ms"); set => SetInt("linger.ms", value); }

    /// <summary><c>batch.size</c>: the size a batch is filled to, in bytes (default 16384).</summary>
    public int? BatchSize { get => GetInt32("batch.size"); set => SetInt("batch.size", value); }

    /// <summary><c>buffer.memory</c>: bytes of records waiting to be sent before the caller blocks (default 33554432).</summary>
    public long? BufferMemory { get => GetInt64("buffer.memory"); set => SetInt("buffer.memory", value); }

    /// <summary><c>max.block.ms</c>: how long producing may block for metadata or buffer space (default 60000).</summary>
    public int? MaxBlockMs { get => GetInt32("max.block.ms"); set => SetInt("max.block.ms", value); }

    /// <summary><c>max.in.flight.requests.per.connection</c>: unanswered produce requests per broker (default 5).</summary>
    public int? MaxInFlightRequestsPerConnection
    {
        get => GetInt32("max.in.flight.requests.per.connection");
        set => SetInt("max.in.flight.requests.per.connection", value);
    }

    /// <summary><c>retries</c>: how often a batch is retried after a retriable error (default int.MaxValue, bounded by <c>delivery.timeout.ms</c>).</summary>
    public int? Retries { get => GetInt32("retries"); set => SetInt("retries", value); }

    /// <summary><c>retry.backoff.ms</c>: the wait before a retry (default 100).</summary>
    public int? RetryBackoffMs { get => GetInt32("retry.backoff.ms"); set => SetInt("retry.backoff.ms", value); }

    /// <summary><c>delivery.timeout.ms</c>: the most time between producing a record and its report (default 120000).</summary>
    public int? DeliveryTimeoutMs { get => GetInt32("delivery.timeout.ms"); set => SetInt("delivery.timeout.ms", value); }

    /// <summary><c>compression.type</c>: none (default), gzip, snappy, lz4 or zstd.</summary>
    public CompressionType? CompressionType
    {
        get => Get("compression.type") is { } text ? ProducerSettings.ParseCompression(text) : null;
        set => SetOrRemove("compression.type", value?.ToString().ToLowerInvariant());
    }

    /// <summary><c>max.request.size</c>: the largest produce request, and so the largest record (default 1048576).</summary>
    public int? MaxRequestSize { get => GetInt32("max.request.size"); set => SetInt("max.request.size", value); }

    /// <summary><c>metadata.max.age.ms</c>: metadata is refreshed at least this often (default 300000).</summary>
    public int? MetadataMaxAgeMs { get => GetInt32("metadata.max.age.ms"); set => SetInt("metadata.max.age.ms", value); }

    /// <summary><c>partitioner</c>: murmur2_sticky (default), murmur2_round_robin or round_robin.</summary>
    public PartitionerType? Partitioner
    {
        get => Get("partitioner") is { } text ? ProducerSettings.ParsePartitioner(text) : null;
        set => SetOrRemove("partitioner", value is { } v ? ProducerSettings.PartitionerName(v) : null);
    }

    /// <summary>
    /// <c>partitioner.adaptive.partitioning.enable</c> (default true, KIP-794): records without key go more often
    /// to partitions with fewer batches waiting to be sent (those of faster brokers).
    /// </summary>
    public bool? PartitionerAdaptivePartitioningEnable
    {
        get => Get("partitioner.adaptive.partitioning.enable") is { } text ? bool.Parse(text) : null;
        set => SetOrRemove("partitioner.adaptive.partitioning.enable", value?.ToString().ToLowerInvariant());
    }

    /// <summary>
    /// <c>partitioner.availability.timeout.ms</c> (default 0, off): records without key avoid a partition whose broker
    /// had batches ready but took none for this long. Needs adaptive partitioning.
    /// </summary>
    public int? PartitionerAvailabilityTimeoutMs { get => GetInt32("partitioner.availability.timeout.ms"); set => SetInt("partitioner.availability.timeout.ms", value); }

    /// <summary><c>partitioner.ignore.keys</c> (default false): keyed records are partitioned like records without key.</summary>
    public bool? PartitionerIgnoreKeys
    {
        get => Get("partitioner.ignore.keys") is { } text ? bool.Parse(text) : null;
        set => SetOrRemove("partitioner.ignore.keys", value?.ToString().ToLowerInvariant());
    }

    /// <summary>
    /// <c>enable.idempotence</c> (default true, as in Kafka 3+): the producer takes a producer id
    /// (InitProducerId) and numbers each partition's batches, so the broker drops duplicates from
    /// retries and keeps order even with up to 5 requests in flight. Left unset, it turns itself off
    /// when acks is not all, more than 5 requests may be in flight or retries is 0; set to true with
    /// such settings, building the producer fails.
    /// </summary>
    public bool? EnableIdempotence
    {
        get => Get("enable.idempotence") is { } text ? bool.Parse(text) : null;
        set => SetOrRemove("enable.idempotence", value?.ToString().ToLowerInvariant());
    }

    /// <summary>
    /// <c>transactional.id</c>: makes the producer transactional (and idempotent). Producers with the
    /// same id fence each other: <see cref="IProducer{TKey,TValue}.InitTransactions(TimeSpan)"/> of a new
    /// instance aborts what an older one left open, and the older one can no longer write or commit.
    /// </summary>
    public string? TransactionalId { get => Get("transactional.id"); set => SetOrRemove("transactional.id", value); }

    /// <summary><c>transaction.timeout.ms</c> (default 60000): the coordinator aborts a transaction left open longer.</summary>
    public int? TransactionTimeoutMs { get => GetInt32("transaction.timeout.ms"); set => SetInt("transaction.timeout.ms", value); }

    private int? GetInt32(string key) => Get(key) is { } text ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    private long? GetInt64(string key) => Get(key) is { } text ? long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    private void SetInt(string key, long? value) => SetOrRemove(key, value?.ToString(CultureInfo.InvariantCulture));
}
