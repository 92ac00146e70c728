using System.Globalization;
using Platform.Client.Internal;
using Platform.Client.Network;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Producer;

/// <summary>A validated <see cref="ProducerConfig"/>: every setting parsed once, defaults applied.</summary>
internal sealed record ProducerSettings
{
    private static readonly HashSet<string> KnownKeys =
    [
        "bootstrap.servers", "client.id", "acks", "linger.ms", "batch.size", "buffer.memory", "max.block.ms",
        "max.in.flight.requests.per.connection", "retries", "retry.backoff.ms", "delivery.timeout.ms",
        "request.timeout.ms", "compression.type", "compression.level", "max.request.size", "metadata.max.age.ms",
        "partitioner", "enable.idempotence", "socket.connection.setup.timeout.ms", "allow.auto.create.topics",
        "transaction.timeout.ms", "transactional.id", "partitioner.adaptive.partitioning.enable",
        "partitioner.availability.timeout.ms", "partitioner.ignore.keys",
    ];

    public IReadOnlyList<BrokerAddress> Bootstrap { get; private init; } = [];

    public string ClientId { get; private init; } = "platform-producer";

    public short Acks { get; private init; } = -1;

    public int LingerMs { get; private init; } = 5;

    public int BatchSize { get; private init; } = 16384;

    public long BufferMemory { get; private init; } = 33554432;

    public int MaxBlockMs { get; private init; } = 60000;

    /// <summary>A deadline of the synchronous <c>Produce</c>: <c>max.block.ms</c> from when it first has to wait (no clock read per record).</summary>
    public const long BlockFromFirstWait = long.MinValue;

    /// <summary>The tick a wait ends: <paramref name="deadline"/>, or <c>max.block.ms</c> from now for <see cref="BlockFromFirstWait"/>.</summary>
    public long BlockDeadline(long deadline) => deadline == BlockFromFirstWait ? Environment.TickCount64 + MaxBlockMs : deadline;

    public int MaxInFlight { get; private init; } = 5;

    public int Retries { get; private init; } = int.MaxValue;

    public int RetryBackoffMs { get; private init; } = 100;

    public int DeliveryTimeoutMs { get; private init; } = 120000;

    public int RequestTimeoutMs { get; private init; } = 30000;

    public int ConnectTimeoutMs { get; private init; } = 10000;

    public CompressionType Compression { get; private init; }

    public int CompressionLevel { get; private init; } = -1;

    public int MaxRequestSize { get; private init; } = 1048576;

    public int MetadataMaxAgeMs { get; private init; } = 300000;

    public PartitionerType Partitioner { get; private init; }

    /// <summary><c>partitioner.adaptive.partitioning.enable</c>: the sticky partitioner weighs partitions by their queues (KIP-794).</summary>
    public bool AdaptivePartitioning { get; private init; } = true;

    /// <summary><c>partitioner.availability.timeout.ms</c>: 0, or how long a broker may have ready batches and take none before the sticky partitioner avoids its partitions.</summary>
    public int PartitionAvailabilityTimeoutMs { get; private init; }

    /// <summary><c>partitioner.ignore.keys</c>: keyed records go where records without key go.</summary>
    public bool PartitionerIgnoreKeys { get; private init; }

    public bool EnableIdempotence { get; private init; }

    public bool AllowAutoCreateTopics { get; private init; } = true;

    public int TransactionTimeoutMs { get; private init; } = 60000;

    /// <summary><c>transactional.id</c>; null for a producer without transactions.</summary>
    public string? TransactionalId { get; private init; }

    /// <summary>Parses and checks <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">A property is unknown, missing or malformed; the message names it.</exception>
    public static ProducerSettings Parse(IEnumerable<KeyValuePair<string, string>> config)
    {
        var c = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in config)
        {
            if (!KnownKeys.Contains(key))
            {
                throw new ArgumentException($"Unknown producer configuration property '{key}'. Known: {string.Join(", ", KnownKeys.Order())}.");
            }

            c[key] = value.Trim();
        }

        var bootstrap = ClientConfigSupport.Bootstrap(c.GetValueOrDefault("bootstrap.servers"));

        // As in the Java client (3.0+): idempotence is on by default, but a default that conflicts with
        // acks, in-flight or retries settings is quietly dropped; only an explicit true is an error.
        var explicitIdempotence = c.ContainsKey("enable.idempotence");
        var idempotence = Bool(c, "enable.idempotence", true);
        var settings = new ProducerSettings
        {
            Bootstrap = bootstrap,
            ClientId = c.GetValueOrDefault("client.id", "platform-producer"),
            Acks = c.GetValueOrDefault("acks", "all") switch
            {
                "all" or "-1" => -1,
                "0" => 0,
                "1" => 1,
                var other => throw new ArgumentException($"Configuration property 'acks' must be 0, 1 or all, not '{other}'."),
            },
            LingerMs = Int(c, "linger.ms", 5, 0),
            BatchSize = Int(c, "batch.size", 16384, 1),
            BufferMemory = Long(c, "buffer.memory", 33554432, 1),
            MaxBlockMs = Int(c, "max.block.ms", 60000, 0),
            MaxInFlight = Int(c, "max.in.flight.requests.per.connection", 5, 1),
            Retries = Int(c, "retries", int.MaxValue, 0),
            RetryBackoffMs = Int(c, "retry.backoff.ms", 100, 0),
            DeliveryTimeoutMs = Int(c, "delivery.timeout.ms", 120000, 1),
            RequestTimeoutMs = Int(c, "request.timeout.ms", 30000, 1),
            ConnectTimeoutMs = Int(c, "socket.connection.setup.timeout.ms", 10000, 1),
            Compression = c.TryGetValue("compression.type", out var codec) ? ParseCompression(codec) : CompressionType.None,
            CompressionLevel = Int(c, "compression.level", -1, int.MinValue),
            MaxRequestSize = Int(c, "max.request.size", 1048576, 1),
            MetadataMaxAgeMs = Int(c, "metadata.max.age.ms", 300000, 0),
            Partitioner = c.TryGetValue("partitioner", out var partitioner) ? ParsePartitioner(partitioner) : PartitionerType.Murmur2Sticky,
            AdaptivePartitioning = Bool(c, "partitioner.adaptive.partitioning.enable", true),
            PartitionAvailabilityTimeoutMs = Int(c, "partitioner.availability.timeout.ms", 0, 0),
            PartitionerIgnoreKeys = Bool(c, "partitioner.ignore.keys", false),
            EnableIdempotence = idempotence,
            AllowAutoCreateTopics = Bool(c, "allow.auto.create.topics", true),
            TransactionTimeoutMs = Int(c, "transaction.timeout.ms", 60000, 1),
            TransactionalId = c.TryGetValue("transactional.id", out var transactionalId) && transactionalId.Length > 0 ? transactionalId : null,
        };

        if (settings.TransactionalId is not null)
        {
            // As in the Java client: transactions are built on idempotence, which a transactional.id turns on.
            if (explicitIdempotence && !idempotence)
            {
                throw new ArgumentException("transactional.id requires enable.idempotence=true, but it is set to false.");
            }

            explicitIdempotence = true;
            idempotence = true;
            settings = settings with { EnableIdempotence = true };
        }

        if (idempotence && !explicitIdempotence && (settings.Acks != -1 || settings.MaxInFlight > 5 || settings.Retries == 0))
        {
            idempotence = false;
            settings = settings with { EnableIdempotence = false };
        }

        if (idempotence)
        {
            // The Java client's checks: the broker can only de-duplicate what every replica acknowledged.
            if (settings.Acks != -1)
            {
                throw new ArgumentException("enable.idempotence=true requires acks=all.");
            }

            if (settings.MaxInFlight > 5)
            {
                throw new ArgumentException("enable.idempotence=true requires max.in.flight.requests.per.connection <= 5.");
            }

            if (settings.Retries == 0)
            {
                throw new ArgumentException("enable.idempotence=true requires retries > 0.");
            }
        }

        return settings;
    }

    public KafkaConnectionOptions ConnectionOptions() => new()
    {
        ClientId = ClientId,
        RequestTimeout = TimeSpan.FromMilliseconds(RequestTimeoutMs),
        ConnectTimeout = TimeSpan.FromMilliseconds(ConnectTimeoutMs),
    };

    public static CompressionType ParseCompression(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" or "" => CompressionType.None,
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "lz4" => CompressionType.Lz4,
        "zstd" => CompressionType.Zstd,
        _ => throw new ArgumentException($"Configuration property 'compression.type' must be none, gzip, snappy, lz4 or zstd, not '{text}'."),
    };

    public static PartitionerType ParsePartitioner(string text) => text.Trim().ToLowerInvariant() switch
    {
        "murmur2_sticky" or "murmur2" or "default" => PartitionerType.Murmur2Sticky,
        "murmur2_round_robin" => PartitionerType.Murmur2RoundRobin,
        "round_robin" => PartitionerType.RoundRobin,
        _ => throw new ArgumentException($"Configuration property 'partitioner' must be murmur2_sticky, murmur2_round_robin or round_robin, not '{text}'."),
    };

    public static string PartitionerName(PartitionerType type) => type switch
    {
        PartitionerType.Murmur2RoundRobin => "murmur2_round_robin",
        PartitionerType.RoundRobin => "round_robin",
        _ => "murmur2_sticky",
    };

    private static int Int(Dictionary<string, string> c, string key, int fallback, int min)
    {
        if (!c.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new ArgumentException($"Configuration property '{key}' must be an integer >= {min}, not '{text}'.");
        }

        return value;
    }

    private static long Long(Dictionary<string, string> c, string key, long fallback, long min)
    {
        if (!c.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new ArgumentException($"Configuration property '{key}' must be an integer >= {min}, not '{text}'.");
        }

        return value;
    }

    private static bool Bool(Dictionary<string, string> c, string key, bool fallback)
    {
        if (!c.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return bool.TryParse(text, out var value)
            ? value
            : throw new ArgumentException($"Configuration property '{key}' must be true or false, not '{text}'.");
    }
}
