using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Broker.Replication;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests.Replication;

/// <summary>
/// Fetch v12's DivergingEpoch over the wire: a fetch whose last fetched epoch ends earlier in the leader's log than
/// its fetch offset (or is unknown there) is answered with where that epoch ends, and no records.
/// </summary>
public sealed class DivergingEpochTests : IAsyncLifetime
{
    private const string Topic = "diverging";
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync();
        _connection = await RawConnection.ConnectAsync(_broker);
        await _connection.CreateTopicAsync(Topic);

        // Epoch 0 holds offsets 0-4, epoch 2 (after an election) offsets 5-6.
        for (var i = 0; i < 7; i++)
        {
            if (i == 5)
            {
                var partition = _broker.Services.GetRequiredService<TopicManager>().GetPartition(Topic, 0)!;
                var node = partition.Role.Leader;
                await _broker.Services.GetRequiredService<IReplicaManager>().ApplyRoleAsync(partition, new PartitionRole(node, 2, [node], [node], 2), CancellationToken.None);
            }

            Assert.Equal(0, (await _connection.ProduceAsync(Topic, Wire.Batch(0, ("k", $"v{i}")), acks: 1)).ErrorCode);
        }
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private async Task<FetchResponse.PartitionData> FetchAsync(long offset, int lastFetchedEpoch)
    {
        var request = new FetchRequest
        {
            ReplicaId = -1,
            MaxWaitMs = 0,
            MinBytes = 0,
            MaxBytes = 1 << 20,
            SessionEpoch = -1,
            Topics = [new() { Topic = Topic, Partitions = [new() { Partition = 0, FetchOffset = offset, LastFetchedEpoch = lastFetchedEpoch, PartitionMaxBytes = 1 << 20, CurrentLeaderEpoch = 2 }] }],
        };
        var response = await _connection.SendAsync<FetchResponse>(request, 12);
        return Assert.Single(Assert.Single(response.Responses).Partitions);
    }

    [Fact]
    public async Task LastFetchedEpochEndsBeforeTheFetchOffset_AnsweredWithWhereItEnds_AndNoRecords()
    {
        var diverged = await FetchAsync(offset: 6, lastFetchedEpoch: 0);

        Assert.Equal(0, diverged.ErrorCode);
        Assert.Equal((0, 5L), (diverged.DivergingEpoch.Epoch, diverged.DivergingEpoch.EndOffset));
        Assert.Equal(0, diverged.Records?.SizeInBytes ?? 0);
    }

    [Fact]
    public async Task EpochUnknownToTheLeader_AnsweredWithTheLargestEpochBelowIt()
    {
        // Epoch 1 never led here: the caller's epoch-1 records past offset 5 are not the leader's.
        var diverged = await FetchAsync(offset: 6, lastFetchedEpoch: 1);

        Assert.Equal((0, 5L), (diverged.DivergingEpoch.Epoch, diverged.DivergingEpoch.EndOffset));
    }

    [Fact]
    public async Task HistoriesAgree_NoDivergence_RecordsAsUsual()
    {
        foreach (var (offset, epoch) in new[] { (5L, 0), (6L, 2) })
        {
            FetchResponse.PartitionData? data = null;
            Assert.True(await Wire.EventuallyAsync(
                async () => (data = await FetchAsync(offset, epoch)).Records is { SizeInBytes: > 0 }, TimeSpan.FromSeconds(10)), $"no records at {offset}: {data?.ErrorCode}");
            Assert.Equal(0, data!.ErrorCode);
            Assert.Equal((-1, -1L), (data.DivergingEpoch.Epoch, data.DivergingEpoch.EndOffset));
        }
    }
}
