using Microsoft.Extensions.DependencyInjection;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;
using Platform.Storage;
using Platform.Storage.Testing;

namespace Platform.Broker.Tests;

/// <summary>A disk that fails under the broker: the produce answers KAFKA_STORAGE_ERROR and acknowledged data stays intact.</summary>
public sealed class StorageErrorTests : IAsyncLifetime
{
    private readonly FaultInjectingFileSystem _disk = new();
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(configureServices: services => services.AddSingleton<IStorageFileSystem>(_disk));
        _connection = await RawConnection.ConnectAsync(_broker);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    public enum Fault
    {
        DiskFull,
        TornWrite,
        TornWriteAndTruncateFails,
        FsyncFails,
    }

    private static async Task<List<ConsumedRecord>> ProduceAcknowledgedAsync(RawConnection connection, string tag, int batches)
    {
        var acknowledged = new List<ConsumedRecord>();
        for (var i = 0; i < batches; i++)
        {
            var records = new (string?, string?)[] { ($"{tag}-{i}", $"{tag}-{i}-a"), ($"{tag}-{i}", $"{tag}-{i}-b") };
            var result = await connection.ProduceAsync("disk", Wire.Batch(1_700_000_000_000, records));
            Assert.Equal(0, result.ErrorCode);
            acknowledged.AddRange(records.Select((r, j) => new ConsumedRecord(result.BaseOffset + j, r.Item1, r.Item2)));
        }

        return acknowledged;
    }

    [Theory]
    [InlineData(Fault.DiskFull)]
    [InlineData(Fault.TornWrite)]
    [InlineData(Fault.TornWriteAndTruncateFails)]
    [InlineData(Fault.FsyncFails)]
    public async Task Produce_IoError_PartitionOfflineUntilRestartThenAcknowledgedDataIntact(Fault fault)
    {
        await using var broker = new RestartableBroker("disk");
        var disk = new FaultInjectingFileSystem();
        await broker.StartAsync(configureServices: services => services.AddSingleton<IStorageFileSystem>(disk));
        var connection = broker.Connection;
        await connection.CreateTopicAsync("disk");
        var acknowledged = await ProduceAcknowledgedAsync(connection, "before", 3);

        disk.DiskFull = fault == Fault.DiskFull;
        disk.TornAppendBytes = fault is Fault.TornWrite or Fault.TornWriteAndTruncateFails ? 40 : null;
        disk.FailTruncate = fault == Fault.TornWriteAndTruncateFails;
        disk.FailFlush = fault == Fault.FsyncFails;
        var failed = await connection.ProduceAsync("disk", Wire.Batch(1_700_000_000_000, ("lost", "never-acknowledged")));
        (disk.DiskFull, disk.FailTruncate, disk.FailFlush) = (false, false, false);
        Assert.Equal((short)ErrorCode.KafkaStorageError, failed.ErrorCode);

        // The disk works again, but a failed write or fsync is fatal for the log until a restart: every request says so.
        Assert.Equal((short)ErrorCode.KafkaStorageError, (await connection.ProduceAsync("disk", Wire.Batch(1_700_000_000_000, ("late", "refused")))).ErrorCode);
        var fetch = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = 1 << 20,
            Topics = [new() { Topic = "disk", Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        };
        Assert.Equal((short)ErrorCode.KafkaStorageError, (await connection.SendAsync<FetchResponse>(fetch, 11)).Responses[0].Partitions[0].ErrorCode);
        var listOffsets = new ListOffsetsRequest { ReplicaId = -1, Topics = [new() { Name = "disk", Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }] };
        Assert.Equal((short)ErrorCode.KafkaStorageError, (await connection.SendAsync<ListOffsetsResponse>(listOffsets, 7)).Topics[0].Partitions[0].ErrorCode);
        var metadata = await connection.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "disk" }] }, 12);
        var partition = Assert.Single(metadata.Topics[0].Partitions);
        Assert.Equal((short)ErrorCode.KafkaStorageError, partition.ErrorCode);
        Assert.Equal([broker.Broker.Options.NodeId], partition.OfflineReplicas);

        await broker.StopAsync();
        await broker.StartAsync();
        var recovered = await broker.Connection.ConsumeAllAsync("disk");
        Assert.Equal(acknowledged, recovered.Take(acknowledged.Count));
        // A write whose fsync failed reached the page cache: whether it is on disk after the restart is the disk's
        // business (it was answered with an error, never acknowledged). Nothing else is there.
        Assert.All(recovered.Skip(acknowledged.Count), r => Assert.Equal(("lost", fault), (r.Key, Fault.FsyncFails)));
        var after = await ProduceAcknowledgedAsync(broker.Connection, "after", 2);
        Assert.Equal([.. recovered, .. after], await broker.Connection.ConsumeAllAsync("disk"));
        Assert.Equal(Enumerable.Range(0, recovered.Count + after.Count).Select(i => (long)i), recovered.Concat(after).Select(r => r.Offset));
    }

    [Fact]
    public async Task Produce_UnexpectedErrorOnOnePartition_OtherPartitionsKeepTheirResults()
    {
        var create = Wire.CreateTopicRequest("split", 2);
        Assert.Equal(0, Assert.Single((await _connection.SendAsync<CreateTopicsResponse>(create, 7)).Topics).ErrorCode);
        _disk.AppendFault = path => path.Contains($"{Path.DirectorySeparatorChar}split-1{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? new InvalidOperationException("unexpected")
            : null;
        var request = Wire.ProduceRequest("split", 0, Wire.Batch(1_700_000_000_000, ("a", "written")));
        request.TopicData[0].PartitionData.Add(new() { Index = 1, Records = new MemoryRecords(Wire.Batch(1_700_000_000_000, ("b", "refused"))) });

        var partitions = (await _connection.SendAsync<ProduceResponse>(request, 9)).Responses[0].PartitionResponses;
        _disk.AppendFault = null;

        Assert.Equal((0, (short)0, 0L), (partitions[0].Index, partitions[0].ErrorCode, partitions[0].BaseOffset));
        Assert.Equal((1, (short)ErrorCode.UnknownServerError), (partitions[1].Index, partitions[1].ErrorCode));
        Assert.Equal([new ConsumedRecord(0, "a", "written")], await _connection.ConsumeAllAsync("split"));
    }
}
