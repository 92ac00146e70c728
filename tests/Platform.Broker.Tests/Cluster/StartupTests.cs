using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage.Testing;

namespace Platform.Broker.Tests.Cluster;

/// <summary>What a start finds on disk: a broken partition directory takes only itself offline; an orphan directory is reported and never served.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "platform-startup-" + Guid.NewGuid().ToString("N"));
    private readonly CollectingLoggerProvider _log = new();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<EmbeddedBroker> StartAsync() => EmbeddedBroker.StartAsync(o => o.DataDir = _dataDir, _log);

    private static async Task ProduceAsync(RawConnection connection, string topic, int partition, string value)
    {
        var response = await connection.SendAsync<ProduceResponse>(Wire.ProduceRequest(topic, partition, Wire.Batch(1_700_000_000_000, ("k", value))), 9);
        Assert.Equal(0, response.Responses[0].PartitionResponses[0].ErrorCode);
    }

    private static async Task<short> FetchErrorAsync(RawConnection connection, string topic, int partition)
    {
        var request = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = 1 << 20,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = partition, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        };
        return (await connection.SendAsync<FetchResponse>(request, 11)).Responses[0].Partitions[0].ErrorCode;
    }

    public enum Damage
    {
        SegmentOver2GiB,
        SegmentUnreadable,
    }

    [Theory]
    [InlineData(Damage.SegmentOver2GiB)]
    [InlineData(Damage.SegmentUnreadable)]
    public async Task Start_DamagedPartitionDirectory_ThatPartitionOfflineOthersServed(Damage damage)
    {
        await using (var broker = await StartAsync())
        {
            await using var connection = await RawConnection.ConnectAsync(broker);
            var created = await connection.SendAsync<CreateTopicsResponse>(Wire.CreateTopicRequest("mixed", 2), 7);
            Assert.Equal(0, created.Topics[0].ErrorCode);
            await ProduceAsync(connection, "mixed", 0, "zero");
            await ProduceAsync(connection, "mixed", 1, "one");
        }

        var segment = Path.Combine(_dataDir, "mixed-0", "00000000000000000000.log");
        if (damage == Damage.SegmentOver2GiB)
        {
            // A sparse file: the size is what matters, not the bytes.
            using var log = new FileStream(segment, FileMode.Open);
            log.SetLength(3L << 30);
        }
        else
        {
            // Permissions do not stop root, who runs these tests in containers; a directory in the file's place cannot be opened by anyone.
            File.Delete(segment);
            Directory.CreateDirectory(segment);
        }

        await using var restarted = await StartAsync();
        await using var client = await RawConnection.ConnectAsync(restarted);

        Assert.Contains(_log.Lines, line => line.Contains("mixed-0", StringComparison.Ordinal) && line.Contains("offline", StringComparison.Ordinal));
        Assert.Equal((short)ErrorCode.KafkaStorageError, await FetchErrorAsync(client, "mixed", 0));
        var produce = await client.SendAsync<ProduceResponse>(Wire.ProduceRequest("mixed", 0, Wire.Batch(1_700_000_000_000, ("k", "v"))), 9);
        Assert.Equal((short)ErrorCode.KafkaStorageError, produce.Responses[0].PartitionResponses[0].ErrorCode);
        Assert.Equal(0, await FetchErrorAsync(client, "mixed", 1));
        await ProduceAsync(client, "mixed", 1, "more");
        var metadata = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "mixed" }] }, 9);
        var partitions = metadata.Topics[0].Partitions.OrderBy(p => p.PartitionIndex).ToList();
        Assert.Equal(-1, partitions[0].LeaderId);
        Assert.Equal([restarted.Options.NodeId], partitions[0].OfflineReplicas);
        Assert.Equal(restarted.Options.NodeId, partitions[1].LeaderId);
    }

    [Fact]
    public async Task Start_OrphanDirectory_ReportedNotServedAndNotReusedByANewTopic()
    {
        await using (var broker = await StartAsync())
        {
            await using var connection = await RawConnection.ConnectAsync(broker);
            await connection.CreateTopicAsync("ghost");
            await ProduceAsync(connection, "ghost", 0, "from-the-old-topic");
        }

        // topics.json forgets the topic (as after a crash between creating its logs and recording it).
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "topics.json"), "[]");

        await using var restarted = await StartAsync();
        await using var client = await RawConnection.ConnectAsync(restarted);

        Assert.Contains(_log.Lines, line => line.Contains("ghost-0", StringComparison.Ordinal) && line.Contains("no known topic", StringComparison.Ordinal));
        var metadata = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = null }, 9);
        Assert.DoesNotContain(metadata.Topics, t => t.Name == "ghost");
        Assert.True(File.Exists(Path.Combine(_dataDir, "ghost-0", "00000000000000000000.log")));

        await client.CreateTopicAsync("ghost");

        Assert.Empty(await client.ConsumeAllAsync("ghost"));
        var aside = Assert.Single(Directory.GetDirectories(_dataDir, "ghost-0.*-orphan"));
        Assert.True(new FileInfo(Path.Combine(aside, "00000000000000000000.log")).Length > 0);
        using var topics = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dataDir, "topics.json")));
        Assert.Contains(topics.RootElement.EnumerateArray(), t => t.GetProperty("Name").GetString() == "ghost");
    }

    [Fact]
    public void MetaProperties_DiskFullAtTheFirstStart_NothingLeftAndTheNextStartWritesIt()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new BrokerOptions { DataDir = _dataDir });
        var fileSystem = new FaultInjectingFileSystem { DiskFull = true };
        var meta = Path.Combine(_dataDir, "meta.properties");

        Assert.ThrowsAny<IOException>(() => new ClusterInfo(options, fileSystem));
        Assert.Empty(Directory.GetFiles(_dataDir));

        fileSystem.DiskFull = false;
        var cluster = new ClusterInfo(options, fileSystem);

        Assert.Contains($"cluster.id={cluster.ClusterId}", File.ReadAllLines(meta));
        Assert.Equal(cluster.ClusterId, new ClusterInfo(options).ClusterId);
    }

    /// <summary>An empty meta.properties is what a full disk at the first start used to leave; it stopped every later start.</summary>
    [Fact]
    public async Task Start_EmptyMetaPropertiesLeftByAFullDisk_StartsAndWritesANewClusterId()
    {
        Directory.CreateDirectory(_dataDir);
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "meta.properties"), "");

        await using var broker = await StartAsync();
        await using var connection = await RawConnection.ConnectAsync(broker);
        await connection.CreateTopicAsync("after-full-disk");
        await ProduceAsync(connection, "after-full-disk", 0, "served");

        var clusterId = broker.Services.GetRequiredService<ClusterInfo>().ClusterId;
        Assert.Contains($"cluster.id={clusterId}", await File.ReadAllLinesAsync(Path.Combine(_dataDir, "meta.properties")));
    }
}
