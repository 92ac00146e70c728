using Platform.Streams.Errors;
using Platform.Streams.Processors;
using Platform.Streams.SerDes;

namespace Platform.Streams.Tests.Engine;

public sealed class StreamsConfigTests
{
    private static StreamsConfig Valid(params (string Key, string Value)[] settings)
    {
        var config = new StreamsConfig { ApplicationId = "app" };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        return config;
    }

    [Theory]
    [InlineData("num.stream.threads", "zero")]
    [InlineData("num.stream.threads", "0")]
    [InlineData("commit.interval.ms", "-5")]
    [InlineData("processing.guarantee", "exactly_once")]
    [InlineData("statestore.cache.max.bytes", "lots")]
    [InlineData("application.server", "no-port")]
    [InlineData("default.key.serde", "NoSuchSerde")]
    [InlineData("default.deserialization.exception.handler", "Ignore")]
    [InlineData("replication.factor", "0")]
    [InlineData("topology.optimization", "combine.before.repartition,merge.everything")]
    public void Validate_BadValue_ThrowsNamingTheKey(string key, string value)
    {
        var error = Assert.Throws<StreamsConfigException>(() => Valid((key, value)).Validate());

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoApplicationId_ThrowsNamingApplicationId()
    {
        var error = Assert.Throws<StreamsConfigException>(() => new StreamsConfig().Validate());

        Assert.Equal("application.id", error.Key);
    }

    [Fact]
    public void Validate_ApplicationIdWithSpace_Throws()
        => Assert.Equal("application.id", Assert.Throws<StreamsConfigException>(() => new StreamsConfig { ApplicationId = "my app" }.Validate()).Key);

    [Fact]
    public void Validate_UnknownKey_ReturnsItAsWarningButClientKeysPass()
    {
        var config = Valid(("no.such.setting", "1"), ("consumer.fetch.max.bytes", "1000"), ("linger.ms", "5"), ("producer.acks", "all"));

        var unknown = config.Validate();

        Assert.Equal(["no.such.setting"], unknown);
    }

    [Fact]
    public void CommitIntervalMs_ExactlyOnceWithoutSetting_Is100()
    {
        Assert.Equal(30000, Valid().CommitIntervalMs);
        Assert.Equal(100, Valid(("processing.guarantee", "exactly_once_v2")).CommitIntervalMs);
        Assert.Equal(500, Valid(("processing.guarantee", "exactly_once_v2"), ("commit.interval.ms", "500")).CommitIntervalMs);
    }

    [Fact]
    public void StateStoreCacheMaxBytes_OlderNameOnly_IsUsed()
    {
        Assert.Equal(10485760, Valid().StateStoreCacheMaxBytes);
        Assert.Equal(42, Valid(("cache.max.bytes.buffering", "42")).StateStoreCacheMaxBytes);
        Assert.Equal(7, Valid(("cache.max.bytes.buffering", "42"), ("statestore.cache.max.bytes", "7")).StateStoreCacheMaxBytes);
    }

    [Fact]
    public void DefaultSerdes_ByKafkaOrShortName_ResolveToBuiltIns()
    {
        var config = Valid(("default.key.serde", "org.apache.kafka.common.serialization.Serdes$StringSerde"), ("default.value.serde", "Long"));

        Assert.Same(Serdes.String, config.DefaultKeySerde);
        Assert.Same(Serdes.Int64, config.DefaultValueSerde);
    }

    [Fact]
    public void Handlers_ByName_ResolveToBuiltIns()
    {
        var config = Valid(("default.deserialization.exception.handler", "LogAndContinue"), ("processing.exception.handler", "LogAndContinue"), ("default.timestamp.extractor", "WallclockTimestampExtractor"));

        Assert.IsType<LogAndContinueExceptionHandler>(config.DeserializationExceptionHandler);
        Assert.IsType<LogAndContinueProcessingExceptionHandler>(config.ProcessingExceptionHandler);
        Assert.IsType<WallclockTimestampExtractor>(config.DefaultTimestampExtractor);
        Assert.IsType<LogAndFailExceptionHandler>(Valid().DeserializationExceptionHandler);
        Assert.IsType<FailOnInvalidTimestamp>(Valid().DefaultTimestampExtractor);
    }

    [Fact]
    public void ConsumerSettings_PrefixedKeys_OverrideUnprefixedAndSkipStreamsKeys()
    {
        var config = Valid(("bootstrap.servers", "h:1"), ("max.poll.records", "10"), ("consumer.max.poll.records", "20"), ("main.consumer.max.poll.records", "30"), ("producer.linger.ms", "1"), ("commit.interval.ms", "5"));

        var main = config.ConsumerSettings();
        var restore = config.ConsumerSettings("restore.consumer.");
        var producer = config.ProducerSettings();

        Assert.Equal("30", main["max.poll.records"]);
        Assert.Equal("20", restore["max.poll.records"]);
        Assert.Equal("h:1", main["bootstrap.servers"]);
        Assert.False(main.ContainsKey("commit.interval.ms"));
        Assert.Equal("1", producer["linger.ms"]);
        Assert.False(producer.ContainsKey("max.poll.records"));
    }

    [Fact]
    public void Clone_InstanceSettings_AreShared()
    {
        var config = Valid();
        var handler = new LogAndContinueExceptionHandler();
        config.DeserializationExceptionHandler = handler;

        var copy = config.Clone();

        Assert.Same(handler, copy.DeserializationExceptionHandler);
        Assert.Equal("app", copy.ApplicationId);
    }
}
