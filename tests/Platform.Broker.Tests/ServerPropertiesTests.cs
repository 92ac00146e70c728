using static Platform.Broker.Tests.ConfigurationBinding;

namespace Platform.Broker.Tests;

/// <summary>Kafka's broker keys: the cleaner's are honoured, those of features the broker lacks warn, typos fail.</summary>
public sealed class ServerPropertiesTests
{
    [Fact]
    public void Bind_CleanerKeys_HonouredWithoutWarnings()
    {
        var (options, warnings) = Bind(
            ("log.cleaner.enable", "false"),
            ("log.cleaner.threads", "3"),
            ("log.cleaner.backoff.ms", "500"),
            ("log.cleaner.dedupe.buffer.size", "67108864"),
            ("log.cleaner.io.buffer.load.factor", "0.5"),
            ("log.cleaner.io.buffer.size", "262144"),
            ("log.cleaner.io.max.bytes.per.second", "1048576.5"),
            ("log.cleaner.min.cleanable.ratio", "0.25"),
            ("log.cleaner.delete.retention.ms", "1000"),
            ("num.recovery.threads.per.data.dir", "2"),
            ("log.flush.offset.checkpoint.interval.ms", "5000"));

        Assert.Empty(warnings);
        Assert.False(options.LogCleanerEnable);
        Assert.Equal(3, options.LogCleanerThreads);
        Assert.Equal(500, options.LogCleanerBackoffMs);
        Assert.Equal(64L << 20, options.LogCleanerDedupeBufferSize);
        Assert.Equal(0.5, options.LogCleanerIoBufferLoadFactor);
        Assert.Equal(256 * 1024, options.LogCleanerIoBufferSize);
        Assert.Equal(1048576.5, options.LogCleanerIoMaxBytesPerSecond);
        Assert.Equal("0.25", options.TopicDefaults["min.cleanable.dirty.ratio"]);
        Assert.Equal("1000", options.TopicDefaults["delete.retention.ms"]);
        Assert.Equal(2, options.NumRecoveryThreadsPerDataDir);
        Assert.Equal(5000, options.LogFlushOffsetCheckpointIntervalMs);
        options.Validate();
    }

    [Fact]
    public void Bind_KafkaKeysOfMissingFeatures_OneWarningEachNamingTheKey()
    {
        var (_, warnings) = Bind(
            ("zookeeper.connect", "localhost:2181"),
            ("ssl.keystore.location", "/etc/kafka/keystore.jks"),
            ("num.network.threads", "3"),
            ("listener.name.internal.ssl.keystore.location", "/etc/kafka/internal.jks"));

        Assert.Equal(4, warnings.Count);
        foreach (var key in new[] { "zookeeper.connect", "ssl.keystore.location", "num.network.threads", "listener.name.internal.ssl.keystore.location" })
        {
            Assert.Single(warnings, w => w.Contains($"Kafka's {key} is not supported", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("compression.zstd.level", "3")] // 3.8
    [InlineData("controller.quorum.bootstrap.servers", "localhost:9093")] // 3.9
    [InlineData("group.coordinator.append.linger.ms", "5")] // 4.0
    [InlineData("group.share.record.lock.duration.ms", "30000")] // 4.0-4.1, share groups
    [InlineData("group.streams.num.standby.replicas", "1")] // 4.1, streams groups
    [InlineData("transaction.two.phase.commit.enable", "true")] // 4.1
    public void Bind_KafkaKeysAddedAfter37_OneWarningNamingTheKey(string key, string value)
    {
        var (_, warnings) = Bind((key, value));

        Assert.Contains($"Kafka's {key} is not supported", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_InternalTopicReplicationFactors_AreClusterSettings()
    {
        var (options, warnings) = Bind(("offsets.topic.replication.factor", "3"), ("transaction.state.log.replication.factor", "2"), ("transaction.state.log.min.isr", "1"));
        var (two, noWarning) = Bind(("transaction.state.log.min.isr", "2"));

        Assert.Empty(warnings);
        Assert.Equal(3, options.OffsetsTopicReplicationFactor);
        Assert.Equal(2, options.TransactionStateLogReplicationFactor);
        Assert.Equal(1, options.TransactionStateLogMinIsr);
        Assert.Empty(noWarning);
        Assert.Equal(2, two.TransactionStateLogMinIsr);
    }

    [Theory]
    [InlineData("log.retention.hourz")]
    [InlineData("log.cleaner.threadz")]
    [InlineData("zookeeper.conect")]
    [InlineData("group.share.record.lock.durations.ms")]
    [InlineData("compression.zstd.levels")]
    public void Bind_NeitherKafkasNorOurs_ErrorNamingTheKey(string key)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, "1")));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("log.cleaner.threads", "0")]
    [InlineData("log.cleaner.io.buffer.load.factor", "1.5")]
    [InlineData("log.cleaner.io.max.bytes.per.second", "0")]
    [InlineData("log.cleaner.dedupe.buffer.size", "1000")]
    [InlineData("max.partitions.per.request", "0")]
    [InlineData("socket.listen.backlog.size", "0")]
    public void Validate_CleanerAndLimitOutOfRange_NamesTheKey(string key, string value)
    {
        var (options, _) = Bind((key, value));

        var error = Assert.Throws<OptionsValidationException>(options.Validate);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
