using Platform.Client.Admin;
using Platform.Protocol;

namespace Platform.Client.Tests.Admin;

public sealed class AdminClientBuilderTests
{
    [Fact]
    public void Build_WithoutBootstrapServers_NamesTheProperty()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AdminClientBuilder(new AdminClientConfig()).Build());

        Assert.Contains("bootstrap.servers", ex.Message);
    }

    [Fact]
    public void Build_UnknownProperty_NamesIt()
    {
        var config = new AdminClientConfig { BootstrapServers = "localhost:9092" };
        config.Set("bootstrap.server", "typo:1");

        var ex = Assert.Throws<ArgumentException>(() => new AdminClientBuilder(config).Build());

        Assert.Contains("'bootstrap.server'", ex.Message);
    }

    [Theory]
    [InlineData("request.timeout.ms", "soon")]
    [InlineData("request.timeout.ms", "0")]
    [InlineData("bootstrap.servers", "no-port")]
    public void Build_MalformedValue_NamesTheProperty(string key, string value)
    {
        var config = new AdminClientConfig { BootstrapServers = "localhost:9092" };
        config.Set(key, value);

        var ex = Assert.Throws<ArgumentException>(() => new AdminClientBuilder(config).Build());

        Assert.Contains(key, ex.Message);
    }

    [Fact]
    public async Task ListTopicsAsync_NoBrokerListening_ThrowsNetworkException()
    {
        var config = new AdminClientConfig { BootstrapServers = "127.0.0.1:1", SocketConnectionSetupTimeoutMs = 2000 };
        await using var admin = new AdminClientBuilder(config).Build();

        var ex = await Assert.ThrowsAsync<KafkaException>(() => admin.ListTopicsAsync());

        Assert.Equal(ErrorCode.NetworkException, ex.Error.Code);
        Assert.Contains("127.0.0.1:1", ex.Message);
    }

    [Fact]
    public void ClientConfig_TypedPropertiesUseKafkaNames()
    {
        var config = new AdminClientConfig { BootstrapServers = "h:1", ClientId = "me", RequestTimeoutMs = 500 };

        Assert.Equal("h:1", config.Get("bootstrap.servers"));
        Assert.Equal("me", config.Get("client.id"));
        Assert.Equal("500", config.Get("request.timeout.ms"));
    }
}
