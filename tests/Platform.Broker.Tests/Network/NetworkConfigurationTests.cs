using Microsoft.Extensions.Configuration;

namespace Platform.Broker.Tests.Network;

/// <summary>The network limits under Kafka's names and defaults, and bad values named by key.</summary>
public sealed class NetworkConfigurationTests
{
    [Fact]
    public void Defaults_AreKafkasOrDocumented()
    {
        var options = new BrokerOptions();

        Assert.Equal(55 * 1024 * 1024, options.FetchMaxBytes);
        Assert.Equal(int.MaxValue, options.MaxConnections);
        Assert.Equal(int.MaxValue, options.MaxConnectionsPerIp);
        Assert.Equal(600_000, options.ConnectionsMaxIdleMs);
        // Kafka's -1 (unbounded) is accepted; ours defaults to 512 MiB.
        Assert.Equal(512L << 20, options.QueuedMaxRequestBytes);
    }

    [Fact]
    public void Bind_KafkaKeys_SetTheirOptions()
    {
        var options = Bind(
            ("fetch.max.bytes", "1048576"),
            ("queued.max.request.bytes", "-1"),
            ("max.connections", "100"),
            ("MAX_CONNECTIONS_PER_IP", "10"),
            ("max.connections.per.ip.overrides", "127.0.0.1:20,[::1]:30"),
            ("connections.max.idle.ms", "1000"),
            ("socket.request.frame.timeout.ms", "5000"));

        options.Validate();
        Assert.Equal(1 << 20, options.FetchMaxBytes);
        Assert.Equal(-1, options.QueuedMaxRequestBytes);
        Assert.Equal(100, options.MaxConnections);
        Assert.Equal(10, options.MaxConnectionsPerIp);
        Assert.Equal("127.0.0.1:20,[::1]:30", options.MaxConnectionsPerIpOverrides);
        Assert.Equal(1000, options.ConnectionsMaxIdleMs);
        Assert.Equal(5000, options.SocketRequestFrameTimeoutMs);
    }

    [Theory]
    [InlineData("fetch.max.bytes", "10")]
    [InlineData("queued.max.request.bytes", "0")]
    [InlineData("max.connections", "0")]
    [InlineData("max.connections.per.ip", "0")]
    [InlineData("max.connections.per.ip.overrides", "127.0.0.1")]
    [InlineData("max.connections.per.ip.overrides", "127.0.0.1:many")]
    [InlineData("connections.max.idle.ms", "0")]
    [InlineData("socket.request.frame.timeout.ms", "-1")]
    public void Validate_BadValue_NamesTheKey(string key, string value)
    {
        var options = Bind((key, value));

        var error = Assert.Throws<OptionsValidationException>(options.Validate);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static BrokerOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"{BrokerOptions.SectionName}:{s.Key}", s.Value)))
            .Build();
        var options = new BrokerOptions();
        BrokerConfiguration.Bind(configuration.GetSection(BrokerOptions.SectionName), options);
        return options;
    }
}
