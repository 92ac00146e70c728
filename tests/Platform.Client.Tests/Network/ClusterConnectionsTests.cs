using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Tests.Network;

public sealed class ClusterConnectionsTests
{
    [Fact]
    public async Task RefreshMetadata_BrokerDiesWithTheRequestInFlight_AnotherBrokerAnswers()
    {
        var dying = new FakeBroker();
        await using var other = new FakeBroker();
        await using var cluster = new ClusterConnections([dying.Address, other.Address], new KafkaConnectionOptions());

        var refresh = cluster.RefreshMetadataAsync(["t"], CancellationToken.None);
        Assert.Equal(ApiKey.Metadata, (await dying.NextRequestAsync()).ApiKey);
        // Killed with the request in flight: the connection drops and nothing listens at its address any more.
        dying.Kill();
        await dying.DisposeAsync();

        var request = await other.NextRequestAsync();
        Assert.Equal(ApiKey.Metadata, request.ApiKey);
        await other.RespondAsync(request, new MetadataResponse
        {
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = 2, Host = other.Address.Host, Port = other.Address.Port }],
            ControllerId = 2,
            Topics = [],
        });

        var (response, source) = await refresh.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, response.ControllerId);
        Assert.Equal(other.Address, source.Address);
    }
}
