using Platform.Testing;

namespace Platform.Cluster.Tests;

/// <summary>A three-member etcd loses one member: brokers stay registered, the controller stays, writes go on.</summary>
public sealed class EtcdMemberLossTests
{
    [Fact]
    public async Task OneOfThreeMembersKilled_SessionsAndWritesCarryOn()
    {
        await using var etcd = await EtcdCluster.StartAsync(members: 3);
        await using var store = EtcdClusterStore.Connect(etcd.Endpoints, "/loss");
        // Long enough to ride out the election of a new etcd leader (about a second) and a reconnect on a busy
        // machine; the wait below still outlasts it, so the lease is alive only if renewals kept reaching etcd.
        var ttl = TimeSpan.FromSeconds(6);
        await using var session = await store.RegisterBrokerAsync(new BrokerRegistration(1, "h", 1), ttl);
        var epoch = (await store.TryClaimControllerAsync(session))!.Value;

        etcd.Kill(0); // the member the channel picked first
        await Task.Delay(ttl * 1.5);

        Assert.False(session.Lost.IsCancellationRequested);
        Assert.Equal((1, epoch), await store.GetControllerAsync());
        Assert.True(await store.CreateTopicAsync(epoch, "t", new TopicAssignment(Guid.NewGuid(), [[1]]), [new PartitionState(1, 0, [1], 0, epoch)]));
        Assert.Single((await store.GetBrokersAsync()).Brokers);
    }
}
