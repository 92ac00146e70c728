using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Tests.Groups;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;
using Platform.Storage.Testing;

namespace Platform.Broker.Tests;

/// <summary>
/// A power loss under a broker with write.caching=false (the default): the fault-injecting file system
/// drops every write no fsync covered, then the broker restarts on what is left. Every acknowledged
/// acks=all record is there, and the coordinators' state (group offsets, transactions and their
/// markers) comes back as it was answered.
/// </summary>
public sealed class PowerLossTests
{
    private static Action<IServiceCollection> Disk(FaultInjectingFileSystem disk) => services => services.AddSingleton<IStorageFileSystem>(disk);

    [Fact]
    public async Task Produce_AcksAllFromConcurrentProducers_EveryAcknowledgedRecordSurvivesPowerLoss()
    {
        await using var broker = new RestartableBroker("power-produce");
        var disk = new FaultInjectingFileSystem();
        await broker.StartAsync(configureServices: Disk(disk));
        await broker.Connection.CreateTopicAsync("durable", ("segment.bytes", "16384"));
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<ConsumedRecord>();
        using var enough = new CancellationTokenSource();
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            await using var connection = await RawConnection.ConnectAsync(broker.Broker);
            for (var i = 0; !enough.IsCancellationRequested; i++)
            {
                var records = new (string?, string?)[] { ($"p{p}", $"p{p}-{i}-a"), ($"p{p}", $"p{p}-{i}-b") };
                var result = await connection.ProduceAsync("durable", Wire.Batch(1_700_000_000_000, records));
                if (result.ErrorCode != 0)
                {
                    return;
                }

                foreach (var (record, j) in records.Select((r, j) => (r, j)))
                {
                    acknowledged.Add(new ConsumedRecord(result.BaseOffset + j, record.Item1, record.Item2));
                }

                if (acknowledged.Count >= 400)
                {
                    await enough.CancelAsync();
                }
            }
        })).ToList();

        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(acknowledged.Count >= 400), TimeSpan.FromSeconds(60)));
        disk.PowerLoss();
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(60));
        await StopAfterPowerLossAsync(broker);

        await broker.StartAsync(configureServices: Disk(new FaultInjectingFileSystem()));
        var survived = (await broker.Connection.ConsumeAllAsync("durable")).ToHashSet();
        Assert.All(acknowledged, record => Assert.Contains(record, survived));
    }

    [Fact]
    public async Task CoordinatorState_PowerLossAfterAnswers_GroupOffsetsAndTransactionsComeBackConsistent()
    {
        await using var broker = new RestartableBroker("power-coordinators");
        var disk = new FaultInjectingFileSystem();
        await broker.StartAsync(configureServices: Disk(disk));
        var connection = broker.Connection;
        await connection.CreateTopicAsync("orders");
        await connection.CreateTopicAsync("payments");

        await using (var group = await GroupClient.ConnectAsync(broker.Broker, "billing"))
        {
            for (var offset = 1; offset <= 5; offset++)
            {
                Assert.Equal(ErrorCode.None, await group.CommitAsync("orders", 0, offset, generation: -1, memberId: ""));
            }
        }

        var init = await connection.InitProducerIdAsync("payer");
        Assert.Equal(0, init.ErrorCode);
        var (pid, epoch) = (init.ProducerId, init.ProducerEpoch);
        Assert.Equal(0, await connection.AddPartitionAsync("payer", pid, epoch, "payments"));
        Assert.Equal(0, (await connection.ProduceAsync("payments", TxnWire.Batch(pid, epoch, 0, "committed"))).ErrorCode);
        Assert.Equal(0, await connection.EndTxnAsync("payer", pid, epoch, commit: true));
        Assert.Equal(0, await connection.AddPartitionAsync("payer", pid, epoch, "payments"));
        Assert.Equal(0, (await connection.ProduceAsync("payments", TxnWire.Batch(pid, epoch, 1, "aborted"))).ErrorCode);
        Assert.Equal(0, await connection.EndTxnAsync("payer", pid, epoch, commit: false));

        disk.PowerLoss();
        await StopAfterPowerLossAsync(broker);
        await broker.StartAsync(configureServices: Disk(new FaultInjectingFileSystem()));

        await using (var group = await GroupClient.ConnectAsync(broker.Broker, "billing"))
        {
            var fetched = await group.FetchOffsetsAsync([new() { Name = "orders", PartitionIndexes = [0] }]);
            Assert.Equal(5, fetched.Topics[0].Partitions[0].CommittedOffset);
        }

        // Both markers are back, so nothing is left open: the committed record is visible, the aborted one not.
        var committed = await broker.Connection.FetchCommittedAsync("payments");
        Assert.Equal(["committed"], committed.Values);
        Assert.Equal(committed.HighWatermark, committed.LastStableOffset);
        // The transaction log came back in a completed state: the id takes a new epoch at once.
        var again = await broker.Connection.InitProducerIdAsync("payer");
        Assert.Equal(0, again.ErrorCode);
        Assert.Equal(pid, again.ProducerId);
        Assert.True(again.ProducerEpoch > epoch);
    }

    /// <summary>The broker stops on a disk that fails every call; what it cannot write at shutdown was lost with the power anyway.</summary>
    private static async Task StopAfterPowerLossAsync(RestartableBroker broker)
    {
        try
        {
            await broker.StopAsync();
        }
        catch (Exception e) when (e is StorageException or IOException or AggregateException)
        {
            // Checkpoints written at a clean shutdown fail on the dead disk; the restart recovers without them.
        }
    }
}
