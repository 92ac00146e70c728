using System.Globalization;

namespace Platform.Connect.Runtime;

public sealed partial class WorkerOptions
{
    // Kafka's distributed-worker keys this worker understands, each applied to its option once, as data.
    private static readonly Dictionary<string, Action<WorkerOptions, string, string>> Keys = new(StringComparer.Ordinal)
    {
        ["bootstrap.servers"] = (o, _, v) => o.BootstrapServers = v,
        ["group.id"] = (o, _, v) => o.GroupId = v,
        ["config.storage.topic"] = (o, _, v) => o.ConfigStorageTopic = v,
        ["offset.storage.topic"] = (o, _, v) => o.OffsetStorageTopic = v,
        ["status.storage.topic"] = (o, _, v) => o.StatusStorageTopic = v,
        ["offset.storage.partitions"] = (o, k, v) => o.OffsetStoragePartitions = PositiveInt(k, v),
        ["status.storage.partitions"] = (o, k, v) => o.StatusStoragePartitions = PositiveInt(k, v),
        ["replication.factor"] = (o, k, v) => o.ReplicationFactor = (short)Math.Min(PositiveInt(k, v), short.MaxValue),
        ["listeners"] = (o, _, v) => o.RestListen = v.Replace("http://", "", StringComparison.OrdinalIgnoreCase).TrimEnd('/'),
        ["offset.flush.interval.ms"] = (o, k, v) => o.OffsetFlushInterval = Millis(k, v),
        ["session.timeout.ms"] = (o, k, v) => o.SessionTimeout = Millis(k, v),
        ["heartbeat.interval.ms"] = (o, k, v) => o.HeartbeatInterval = Millis(k, v),
        ["task.shutdown.graceful.timeout.ms"] = (o, k, v) => o.TaskShutdownTimeout = Millis(k, v),
    };

    /// <summary>
    /// Sets one worker property by its Kafka name: the keys of <c>connect-distributed.properties</c> this worker
    /// supports, plus <c>producer.*</c> and <c>consumer.*</c> for every task's clients.
    /// </summary>
    /// <exception cref="ArgumentException">The key is unknown or the value invalid; names the key.</exception>
    public void Set(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        key = key.Trim();
        value = value.Trim();
        if (key.StartsWith("producer.", StringComparison.Ordinal) && key.Length > "producer.".Length)
        {
            ProducerOverrides[key["producer.".Length..]] = value;
        }
        else if (key.StartsWith("consumer.", StringComparison.Ordinal) && key.Length > "consumer.".Length)
        {
            ConsumerOverrides[key["consumer.".Length..]] = value;
        }
        else if (Keys.TryGetValue(key, out var apply))
        {
            apply(this, key, value);
        }
        else
        {
            throw new ArgumentException($"{key}: unknown worker property; known are {string.Join(", ", Keys.Keys.Order(StringComparer.Ordinal))}, producer.* and consumer.*.");
        }
    }

    /// <summary>
    /// Applies a worker properties file in Java's <c>key=value</c> form (Kafka's <c>connect-distributed.properties</c>):
    /// one property a line, <c>=</c> or <c>:</c> between key and value, <c>#</c> and <c>!</c> start comments.
    /// </summary>
    /// <exception cref="ArgumentException">A line is malformed or a property invalid; names the file, line and key.</exception>
    public void LoadProperties(string path)
    {
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var separator = line.IndexOfAny(['=', ':']);
            if (separator <= 0)
            {
                throw new ArgumentException($"{path}:{lineNumber}: expected key=value, got '{line}'.");
            }

            try
            {
                Set(line[..separator], line[(separator + 1)..]);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{path}:{lineNumber}: {e.Message}", e);
            }
        }
    }

    private static int PositiveInt(string key, string value)
        => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{key}: '{value}' is not a positive integer.");

    private static TimeSpan Millis(string key, string value) => TimeSpan.FromMilliseconds(PositiveInt(key, value));
}
