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

    [Fact]
    public async Task CommittedOffset_CarriesTheLastConsumedRecordsEpoch_AndIsValidatedWhenResumed_TruncatedLogGoesOnFromTheDivergence()
    {
        var tp = new TopicPartition(Topic, 0);
        await using (var connection = await RawConnection.ConnectAsync(_broker))
        {
            // Offsets 10-11 written under leader epoch 2: the committed position must carry the epoch of the last record read.
            await LeadAsync(2);
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(0, (await connection.ProduceAsync(Topic, Wire.Batch(0, ("k", $"old-{10 + i}")), acks: 1)).ErrorCode);
            }
        }

        using (var first = Consumer(AutoOffsetReset.Earliest, [], group: "resumer"))
        {
            Assert.Equal(12, Read(first, 12).Count);
            var committed = Assert.Single(first.Commit());
            Assert.Equal((12L, (int?)2), (committed.Offset.Value, committed.LeaderEpoch));

            // The broker kept the epoch (OffsetCommit v6+) and gives it back (OffsetFetch v5+).
            var fetched = Assert.Single(first.Committed([tp], TimeSpan.FromSeconds(10)));
            Assert.Equal((12L, (int?)2), (fetched.Offset.Value, fetched.LeaderEpoch));
        }

        // Offsets 8-11 are lost with the old leader; the new leader (epoch 3) writes two records there.
        await TruncateAndLeadAsync(8, epoch: 3);
        await using (var connection = await RawConnection.ConnectAsync(_broker))
        {
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(0, (await connection.ProduceAsync(Topic, Wire.Batch(0, ("k", $"new-{i}")), acks: 1)).ErrorCode);
            }
        }

        // A consumer resuming at the committed 12 asks where epoch 2 ends (8) before fetching: without the check it would
        // fetch at 12, be out of range, and reset to the start (old-0 again).
        var errors = new List<Error>();
        using var second = Consumer(AutoOffsetReset.Earliest, errors, group: "resumer", start: Offset.Unset);
        Assert.Equal(["new-0", "new-1"], Read(second, 2));
        Assert.Equal(10, second.Position(tp).Value);
        Assert.Contains(errors, e => e.Reason.Contains("log truncation detected at position 12", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommittedOffset_ResumedOnAnIntactLog_GoesOnWhereItWas()
    {
        using (var first = Consumer(AutoOffsetReset.Earliest, [], group: "intact"))
        {
            Assert.Equal(10, Read(first, 5).Count + Read(first, 5).Count);
            Assert.Equal((int?)0, Assert.Single(first.Commit()).LeaderEpoch);
        }

        var errors = new List<Error>();
        using var second = Consumer(AutoOffsetReset.Earliest, errors, group: "intact", start: Offset.Unset);
        await using (var connection = await RawConnection.ConnectAsync(_broker))
        {
            Assert.Equal(0, (await connection.ProduceAsync(Topic, Wire.Batch(0, ("k", "next")), acks: 1)).ErrorCode);
        }

        Assert.Equal(["next"], Read(second, 1));
        Assert.Empty(errors);
    }

    private IConsumer<string, string> Consumer(AutoOffsetReset reset, List<Error> errors, string? group = null, Offset? start = null)
    {
        var config = new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, FetchMaxWaitMs = 100, AutoOffsetReset = reset, GroupId = group, EnableAutoCommit = false };
        var consumer = new ConsumerBuilder<string, string>(config).SetErrorHandler((_, e) =>
        {
            lock (errors)
            {
                errors.Add(e);
            }
        }).Build();
        consumer.Assign(new TopicPartitionOffset(new TopicPartition(Topic, 0), start ?? 0));
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
        _broker.Services.GetRequiredService<TopicManager>().GetPartition(Topic, 0)!.Log.TruncateTo(offset);
        await LeadAsync(epoch);
    }

    /// <summary>Makes this broker lead the partition at <paramref name="epoch"/>, as the cluster service would after an election.</summary>
    private async Task LeadAsync(int epoch)
    {
        var partition = _broker.Services.GetRequiredService<TopicManager>().GetPartition(Topic, 0)!;
        var node = partition.Role.Leader;
        await _broker.Services.GetRequiredService<IReplicaManager>().ApplyRoleAsync(partition, new PartitionRole(node, epoch, [node], [node], epoch), CancellationToken.None);
    }
}
