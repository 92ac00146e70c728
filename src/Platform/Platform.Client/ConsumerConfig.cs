using System.Globalization;

namespace Platform.Client;

/// <summary>
/// Consumer configuration: Kafka's property names and defaults, with typed accessors. An unset
/// property takes the default shown in its documentation; unknown names fail <c>Build()</c>.
/// </summary>
public class ConsumerConfig : ClientConfig
{
    /// <summary>Creates an empty configuration.</summary>
    public ConsumerConfig()
    {
    }

    /// <summary>Creates a configuration holding a copy of <paramref name="properties"/>.</summary>
    public ConsumerConfig(IEnumerable<KeyValuePair<string, string>> properties)
        : base(properties)
    {
    }

    /// <summary><c>group.instance.id</c>: static membership; a restart within <c>session.timeout.ms</c> keeps the member's partitions without a rebalance.</summary>
    public string? GroupInstanceId { get => Get("group.instance.id"); set => SetOrRemove("group.instance.id", value); }

    /// <summary><c>enable.auto.commit</c>: commit consumed offsets every <c>auto.commit.interval.ms</c> from the consume calls, on revoke and on close (default true).</summary>
    public bool? EnableAutoCommit { get => GetBool("enable.auto.commit"); set => SetBool("enable.auto.commit", value); }

    /// <summary><c>auto.commit.interval.ms</c> (default 5000).</summary>
    public int? AutoCommitIntervalMs { get => GetInt32("auto.commit.interval.ms"); set => SetInt("auto.commit.interval.ms", value); }

    /// <summary><c>session.timeout.ms</c>: the coordinator removes a member it has not heard from for this long (default 45000).</summary>
    public int? SessionTimeoutMs { get => GetInt32("session.timeout.ms"); set => SetInt("session.timeout.ms", value); }

    /// <summary><c>heartbeat.interval.ms</c>: how often the background task heartbeats (default 3000).</summary>
    public int? HeartbeatIntervalMs { get => GetInt32("heartbeat.interval.ms"); set => SetInt("heartbeat.interval.ms", value); }

    /// <summary><c>max.poll.interval.ms</c>: the member leaves the group when the application does not consume for this long; also the rebalance timeout (default 300000).</summary>
    public int? MaxPollIntervalMs { get => GetInt32("max.poll.interval.ms"); set => SetInt("max.poll.interval.ms", value); }

    /// <summary><c>partition.assignment.strategy</c>: assignors in preference order, <c>range</c> (default), <c>roundrobin</c>, <c>sticky</c>, <c>cooperative-sticky</c>.</summary>
    public string? PartitionAssignmentStrategy { get => Get("partition.assignment.strategy"); set => SetOrRemove("partition.assignment.strategy", value); }

    /// <summary><c>group.id</c>: the consumer group, needed to subscribe and to commit offsets.</summary>
    public string? GroupId { get => Get("group.id"); set => SetOrRemove("group.id", value); }

    /// <summary><c>fetch.min.bytes</c>: the broker holds a fetch until this much data is there or <c>fetch.max.wait.ms</c> passes (default 1).</summary>
    public int? FetchMinBytes { get => GetInt32("fetch.min.bytes"); set => SetInt("fetch.min.bytes", value); }

    /// <summary><c>fetch.max.wait.ms</c>: how long the broker may hold a fetch for <c>fetch.min.bytes</c> (default 500).</summary>
    public int? FetchMaxWaitMs { get => GetInt32("fetch.max.wait.ms"); set => SetInt("fetch.max.wait.ms", value); }

    /// <summary><c>max.partition.fetch.bytes</c>: the most data one fetch returns per partition (default 1048576; a larger first batch still comes whole).</summary>
    public int? MaxPartitionFetchBytes { get => GetInt32("max.partition.fetch.bytes"); set => SetInt("max.partition.fetch.bytes", value); }

    /// <summary><c>fetch.max.bytes</c>: the most data one fetch response holds (default 52428800).</summary>
    public int? FetchMaxBytes { get => GetInt32("fetch.max.bytes"); set => SetInt("fetch.max.bytes", value); }

    /// <summary><c>max.poll.records</c>: the most records one batch call returns (<c>ConsumeBatch</c>, <c>ConsumeRaw</c>; default 500).</summary>
    public int? MaxPollRecords { get => GetInt32("max.poll.records"); set => SetInt("max.poll.records", value); }

    /// <summary>
    /// <c>isolation.level</c>: <c>read_uncommitted</c> (the default, as in Kafka's Java client) or
    /// <c>read_committed</c>: only records of committed transactions, up to the last stable offset.
    /// </summary>
    public IsolationLevel? IsolationLevel
    {
        get => Get("isolation.level") switch
        {
            null => null,
            "read_uncommitted" => Client.IsolationLevel.ReadUncommitted,
            "read_committed" => Client.IsolationLevel.ReadCommitted,
            var other => throw new ArgumentException($"'isolation.level' must be read_uncommitted or read_committed, not '{other}'."),
        };
        set => SetOrRemove("isolation.level", value switch
        {
            null => null,
            Client.IsolationLevel.ReadCommitted => "read_committed",
            _ => "read_uncommitted",
        });
    }

    /// <summary><c>auto.offset.reset</c>: <c>latest</c> (the default), <c>earliest</c> or <c>none</c>.</summary>
    public AutoOffsetReset? AutoOffsetReset
    {
        get => Get("auto.offset.reset") switch
        {
            null => null,
            "latest" or "largest" or "end" => Client.AutoOffsetReset.Latest,
            "earliest" or "smallest" or "beginning" => Client.AutoOffsetReset.Earliest,
            "none" or "error" => Client.AutoOffsetReset.Error,
            var other => throw new ArgumentException($"'auto.offset.reset' must be latest, earliest or none, not '{other}'."),
        };
        set => SetOrRemove("auto.offset.reset", value switch
        {
            null => null,
            Client.AutoOffsetReset.Earliest => "earliest",
            Client.AutoOffsetReset.Error => "none",
            _ => "latest",
        });
    }

    /// <summary><c>check.crcs</c>: verify the CRC of every fetched batch (default true).</summary>
    public bool? CheckCrcs { get => GetBool("check.crcs"); set => SetBool("check.crcs", value); }

    /// <summary><c>enable.partition.eof</c>: report reaching the end of a partition as a result with <c>IsPartitionEOF</c> (default false).</summary>
    public bool? EnablePartitionEof { get => GetBool("enable.partition.eof"); set => SetBool("enable.partition.eof", value); }

    /// <summary><c>metadata.max.age.ms</c>: refresh metadata at least this often (default 300000).</summary>
    public int? MetadataMaxAgeMs { get => GetInt32("metadata.max.age.ms"); set => SetInt("metadata.max.age.ms", value); }

    /// <summary><c>retry.backoff.ms</c>: the wait before retrying a failed request (default 100).</summary>
    public int? RetryBackoffMs { get => GetInt32("retry.backoff.ms"); set => SetInt("retry.backoff.ms", value); }

    /// <summary>
    /// <c>receive.buffer.bytes</c>: the socket receive buffer; -1 (the default here) leaves it to the
    /// operating system, whose auto-tuning outruns Kafka's fixed 65536 on fast links.
    /// </summary>
    public int? ReceiveBufferBytes { get => GetInt32("receive.buffer.bytes"); set => SetInt("receive.buffer.bytes", value); }

    private int? GetInt32(string key)
        => Get(key) is { } text ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    private void SetInt(string key, int? value) => SetOrRemove(key, value?.ToString(CultureInfo.InvariantCulture));

    private bool? GetBool(string key) => Get(key) is { } text ? bool.Parse(text) : null;

    private void SetBool(string key, bool? value) => SetOrRemove(key, value switch { null => null, true => "true", false => "false" });
}
