namespace Platform.Storage.Tests;

public sealed class LogConfigTests
{
    [Fact]
    public void Default_HasKafkaDefaults()
    {
        var config = LogConfig.Default;

        Assert.Equal(1 << 30, config.SegmentBytes);
        Assert.Equal(604_800_000, config.SegmentMs);
        Assert.Equal(604_800_000, config.RetentionMs);
        Assert.Equal(-1, config.RetentionBytes);
        Assert.True(config.Delete);
        Assert.False(config.Compact);
        Assert.Equal(86_400_000, config.DeleteRetentionMs);
        Assert.Equal(0.5, config.MinCleanableDirtyRatio);
        Assert.Equal(1_048_588, config.MaxMessageBytes);
        Assert.Equal(long.MaxValue, config.FlushMessages);
        Assert.Equal(long.MaxValue, config.FlushMs);
        Assert.Equal(4096, config.IndexIntervalBytes);
        Assert.Equal(10 * 1024 * 1024, config.SegmentIndexBytes);
        Assert.Equal(60_000, config.FileDeleteDelayMs);
        Assert.Equal("producer", config.CompressionType);
        Assert.Equal(1, config.MinInSyncReplicas);
    }

    [Theory]
    [InlineData("compact", true, false)]
    [InlineData("delete", false, true)]
    [InlineData("compact,delete", true, true)]
    [InlineData("delete, compact", true, true)]
    public void Parse_CleanupPolicy_SetsFlags(string value, bool compact, bool delete)
    {
        var config = LogConfig.Parse(new Dictionary<string, string> { ["cleanup.policy"] = value });

        Assert.Equal((compact, delete), (config.Compact, config.Delete));
    }

    [Theory]
    [InlineData("segment.bytes", "abc", "Invalid value abc for configuration segment.bytes: Not a number of type INT")]
    [InlineData("segment.bytes", "10", "Invalid value 10 for configuration segment.bytes: Value must be at least 14")]
    [InlineData("retention.ms", "-5", "Invalid value -5 for configuration retention.ms: Value must be at least -1")]
    [InlineData("cleanup.policy", "shred", "Invalid value shred for configuration cleanup.policy")]
    [InlineData("message.timestamp.type", "Now", "Invalid value Now for configuration message.timestamp.type")]
    [InlineData("min.cleanable.dirty.ratio", "1.5", "Invalid value 1.5 for configuration min.cleanable.dirty.ratio")]
    [InlineData("unclean.leader.election.enable", "yes", "Invalid value yes for configuration unclean.leader.election.enable")]
    [InlineData("no.such.config", "1", "Unknown topic config name: no.such.config")]
    public void Validate_BadValue_ErrorNamesKeyAndValue(string key, string value, string expected)
    {
        var errors = LogConfig.Validate(new Dictionary<string, string> { [key] = value });

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_Invalid_ThrowsInvalidConfig()
    {
        var error = Assert.Throws<LogException>(() => LogConfig.Parse(new Dictionary<string, string> { ["flush.messages"] = "0" }));

        Assert.Equal(Platform.Protocol.ErrorCode.InvalidConfig, error.ErrorCode);
        Assert.Contains("flush.messages", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MinLagAboveMaxLag_Rejected()
    {
        var errors = LogConfig.Validate(new Dictionary<string, string> { ["min.compaction.lag.ms"] = "10", ["max.compaction.lag.ms"] = "5" });

        Assert.Contains(errors, e => e.Contains("min.compaction.lag.ms", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_OverDefaults_KeepsDefaultsAndOverrides()
    {
        var brokerDefaults = LogConfig.Parse(new Dictionary<string, string> { ["retention.ms"] = "1000" });

        var config = LogConfig.Parse(new Dictionary<string, string> { ["segment.bytes"] = "2048" }, brokerDefaults);

        Assert.Equal(1000, config.RetentionMs);
        Assert.Equal(2048, config.SegmentBytes);
        Assert.Equal("2048", config.Overrides["segment.bytes"]);
        Assert.Equal("1000", config.Values["retention.ms"]);
    }

    [Fact]
    public void Definitions_ListEveryConfigWithDefault()
    {
        Assert.Contains(LogConfig.Definitions, d => d.Name == "retention.ms" && d.DefaultValue == "604800000" && d.Type == ConfigType.Long);
        Assert.All(LogConfig.Definitions, d => Assert.True(d.TryParse(d.DefaultValue, out _, out _), d.Name));
        Assert.Equal(LogConfig.Definitions.Count, LogConfig.Default.Values.Count);
    }
}
