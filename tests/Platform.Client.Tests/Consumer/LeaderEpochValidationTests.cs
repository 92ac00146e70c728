using Microsoft.Extensions.DependencyInjection;
using Platform.Broker;
using Platform.Broker.Cluster;
using Platform.Broker.Replication;
using Platform.Protocol;

namespace Platform.Client.Tests.Consumer;

/// <summary>
/// KIP-320 in our consumer: after a leader change (a new leader epoch), the position is checked with
/// OffsetForLeaderEpoch before fetching on. The broker's leadership is changed in place through its replica
/// manager, as the cluster service would, with the log truncated under the consumer's position the way an
/// unclean election leaves it.
/// </summary>
public sealed class LeaderEpochValidationTests : IAsyncLifetime
{
    private const string Topic = "epochs";
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(o => o.NumPartitions = 1);
        await using var connection = await RawConnection.ConnectAsync(_broker);
        await connection.CreateTopicAsync(Topic);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(0, (await connection.ProduceAsync(Topic, Wire.Batch(0, ("k", $"old-{i}")), acks: 1)).ErrorCode);
        }
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task LeaderChangeWithTruncation_ConsumerGoesOnFromTheDivergence_WithoutRereadingOrSkipping()
    {
        var errors = new List<Error>();
        using var consumer = Consumer(AutoOffsetReset.Earliest, errors);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"old-{i}"), Read(consumer, 10));

        // Offsets 6-9 are lost with the old leader; the new leader (epoch 1) writes two records there.
        await TruncateAndLeadAsync(6, epoch: 1);
        await using (var connection = await RawConnection.ConnectAsync(_broker))
        {
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(0, (await connection.ProduceAsync(Topic, Wire.Batch(0, ("k", $"new-{i}")), acks: 1)).ErrorCode);
            }
        }

        // Without the check the consumer would fetch at 10, be out of range, and reset to the start (old-0 again).
        Assert.Equal(["new-0", "new-1"], Read(consumer, 2));
        Assert.Equal(8, consumer.Position(new TopicPartition(Topic, 0)).Value);
        Assert.Contains(errors, e => e.Reason.Contains("log truncation detected at position 10", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LeaderChangeWithTruncation_AutoOffsetResetNone_ConsumeFailsOutOfRange()
    {
        using var consumer = Consumer(AutoOffsetReset.Error, []);
        Assert.Equal(10, Read(consumer, 10).Count);

        await TruncateAndLeadAsync(6, epoch: 1);

        var failure = Assert.Throws<KafkaException>(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
        });
        Assert.Equal(ErrorCode.OffsetOutOfRange, failure.Error.Code);
        Assert.Contains("Log truncation detected", failure.Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaderChangeWithoutTruncation_ConsumerGoesOnWhereItWas()
    {
        using var consumer = Consumer(AutoOffsetReset.Earliest, []);
        Assert.Equal(10, Read(consumer, 10).Count);

        await TruncateAndLeadAsync(10, epoch: 1);
        await using (var connection = await RawConnection.ConnectAsync(_broker))
        {
            Assert.Equal(0, (await connection.ProduceAsync(Topic, Wire.Batch(0, ("k", "next")), acks: 1)).ErrorCode);
        }

        Assert.Equal(["next"], Read(consumer, 1));
    }

    private IConsumer<string, string> Consumer(AutoOffsetReset reset, List<Error> errors)
    {
        var config = new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, FetchMaxWaitMs = 100, AutoOffsetReset = reset };
        var consumer = new ConsumerBuilder<string, string>(config).SetErrorHandler((_, e) =>
        {
            lock (errors)
            {
                errors.Add(e);
            }
        }).Build();
        consumer.Assign(new TopicPartitionOffset(new TopicPartition(Topic, 0), 0));
        return consumer;
    }

    private static List<string> Read(IConsumer<string, string> consumer, int count)
    {
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message })
            {
                values.Add(message.Value!);
            }
        }

        return values;
    }

    /// <summary>Cuts the log at <paramref name="offset"/> and makes this broker lead it again at <paramref name="epoch"/>.</summary>
    private async Task TruncateAndLeadAsync(long offset, int epoch)
    {
        var partition = _broker.Services.GetRequiredService<TopicManager>().GetPartition(Topic, 0)!;
        partition.Log.TruncateTo(offset);
        var node = partition.Role.Leader;
        await _broker.Services.GetRequiredService<IReplicaManager>().ApplyRoleAsync(partition, new PartitionRole(node, epoch, [node], [node], epoch), CancellationToken.None);
    }
}
