using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests;

/// <summary>
/// The replication throttle's configs on a single broker: the dynamic broker configs leader/follower.replication.throttled.rate
/// (per broker id or the cluster default, kept across a restart) and the topic configs that list throttled replicas.
/// </summary>
public sealed class ReplicationThrottleConfigTests : IAsyncLifetime
{
    private const int NodeId = 7;
    private const sbyte Topic = 2;
    private const sbyte Broker = 4;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("platform-throttle-").FullName;
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync() => await StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task AlterConfigs_ThrottleRates_DescribedAsDynamicAndKeptAcrossARestart()
    {
        Assert.Equal((long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), (sbyte)5), await DescribeAsync("leader.replication.throttled.rate"));

        Assert.Equal(0, (await AlterAsync(Broker, "7", ("leader.replication.throttled.rate", 0, "100000"))).ErrorCode);
        // The legacy AlterConfigs on the default resource (an empty name) sets the cluster default.
        var legacy = new AlterConfigsRequest
        {
            Resources = [new() { ResourceType = Broker, ResourceName = "", Configs = [new() { Name = "follower.replication.throttled.rate", Value = "2000" }] }],
        };
        Assert.Equal(0, Assert.Single((await _connection.SendAsync<AlterConfigsResponse>(legacy, 2)).Responses).ErrorCode);

        Assert.Equal(("100000", (sbyte)2), await DescribeAsync("leader.replication.throttled.rate"));
        Assert.Equal(("2000", (sbyte)3), await DescribeAsync("follower.replication.throttled.rate"));

        await StopAsync();
        await StartAsync();
        Assert.Equal(("100000", (sbyte)2), await DescribeAsync("leader.replication.throttled.rate"));
        Assert.Equal(("2000", (sbyte)3), await DescribeAsync("follower.replication.throttled.rate"));

        Assert.Equal(0, (await AlterAsync(Broker, "7", ("leader.replication.throttled.rate", 1, null))).ErrorCode);
        Assert.Equal(0, (await AlterAsync(Broker, "<default>", ("follower.replication.throttled.rate", 1, null))).ErrorCode);
        Assert.Equal((long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), (sbyte)5), await DescribeAsync("leader.replication.throttled.rate"));
        Assert.Equal((long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), (sbyte)5), await DescribeAsync("follower.replication.throttled.rate"));
    }

    [Theory]
    [InlineData("leader.replication.throttled.rate", "-1", ErrorCode.InvalidConfig)]
    [InlineData("follower.replication.throttled.rate", "fast", ErrorCode.InvalidConfig)]
    [InlineData("num.io.threads", "4", ErrorCode.InvalidRequest)]
    public async Task AlterConfigs_BadBrokerConfig_RefusedNamingTheKey(string name, string value, ErrorCode expected)
    {
        var refused = await AlterAsync(Broker, "7", (name, 0, value));

        Assert.Equal((short)expected, refused.ErrorCode);
        Assert.Contains(name, refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal((long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), (sbyte)5), await DescribeAsync("leader.replication.throttled.rate"));
    }

    [Theory]
    [InlineData("leader.replication.throttled.replicas", "0:1,x:2")]
    [InlineData("follower.replication.throttled.replicas", "0-1")]
    [InlineData("follower.replication.throttled.replicas", "*,0:1")]
    public async Task AlterConfigs_MalformedThrottledReplicas_InvalidConfigNamingTheKey(string name, string value)
    {
        await _connection.CreateTopicAsync("throttled");

        var refused = await AlterAsync(Topic, "throttled", (name, 0, value));

        Assert.Equal((short)ErrorCode.InvalidConfig, refused.ErrorCode);
        Assert.Contains(name, refused.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("0:1, 1:7")]
    public async Task AlterConfigs_ThrottledReplicasInKafkasForm_Accepted(string value)
    {
        await _connection.CreateTopicAsync("listed");

        Assert.Equal(0, (await AlterAsync(Topic, "listed", ("leader.replication.throttled.replicas", 0, value))).ErrorCode);
    }

    private async Task StartAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(o =>
        {
            o.DataDir = _dataDir;
            o.NodeId = NodeId;
        });
        _connection = await RawConnection.ConnectAsync(_broker);
    }

    private async Task StopAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private async Task<IncrementalAlterConfigsResponse.AlterConfigsResourceResponse> AlterAsync(sbyte type, string name, (string Name, sbyte Operation, string? Value) config)
    {
        var request = new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = type, ResourceName = name, Configs = [new() { Name = config.Name, ConfigOperation = config.Operation, Value = config.Value }] }],
        };
        return Assert.Single((await _connection.SendAsync<IncrementalAlterConfigsResponse>(request, 1)).Responses);
    }

    private async Task<(string? Value, sbyte Source)> DescribeAsync(string key)
    {
        var request = new DescribeConfigsRequest { Resources = [new() { ResourceType = Broker, ResourceName = "7", ConfigurationKeys = [key] }] };
        var result = Assert.Single((await _connection.SendAsync<DescribeConfigsResponse>(request, 4)).Results);
        Assert.Equal(0, result.ErrorCode);
        var entry = Assert.Single(result.Configs);
        return (entry.Value, entry.ConfigSource);
    }
}
