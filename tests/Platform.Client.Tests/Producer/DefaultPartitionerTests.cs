using System.Text;
using Platform.Broker;
using Platform.Client.Admin;

namespace Platform.Client.Tests.Producer;

/// <summary>The public key-to-partition helper agrees with where the producer actually puts keyed records.</summary>
public sealed class DefaultPartitionerTests
{
    [Fact]
    public async Task Partition_KeyedRecords_MatchesTheProducersChoice()
    {
        await using var broker = await EmbeddedBroker.StartAsync();
        await using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "keyed", NumPartitions = 5, ReplicationFactor = 1 }]);
        }

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var partitions = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            var key = $"key-{i}";
            var result = await producer.ProduceAsync("keyed", new Message<string, string> { Key = key, Value = "v" });

            Assert.Equal(result.Partition, DefaultPartitioner.Partition(Encoding.UTF8.GetBytes(key), 5));
            partitions.Add(result.Partition);
        }

        Assert.True(partitions.Count > 1);
    }

    [Fact]
    public void Partition_ZeroPartitions_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => DefaultPartitioner.Partition("k"u8, 0));
}
