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
    }

    private async Task<List<ConsumedRecord>> ProduceAcknowledgedAsync(string tag, int batches)
    {
        var acknowledged = new List<ConsumedRecord>();
        for (var i = 0; i < batches; i++)
        {
            var records = new (string?, string?)[] { ($"{tag}-{i}", $"{tag}-{i}-a"), ($"{tag}-{i}", $"{tag}-{i}-b") };
            var result = await _connection.ProduceAsync("disk", Wire.Batch(1_700_000_000_000, records));
            Assert.Equal(0, result.ErrorCode);
            acknowledged.AddRange(records.Select((r, j) => new ConsumedRecord(result.BaseOffset + j, r.Item1, r.Item2)));
        }

        return acknowledged;
    }

    [Theory]
    [InlineData(Fault.DiskFull)]
    [InlineData(Fault.TornWrite)]
    [InlineData(Fault.TornWriteAndTruncateFails)]
    public async Task Produce_IoErrorOnAppend_KafkaStorageErrorAndAcknowledgedDataIntact(Fault fault)
    {
        await _connection.CreateTopicAsync("disk");
        var acknowledged = await ProduceAcknowledgedAsync("before", 3);

        _disk.DiskFull = fault == Fault.DiskFull;
        _disk.TornAppendBytes = fault == Fault.DiskFull ? null : 40;
        _disk.FailTruncate = fault == Fault.TornWriteAndTruncateFails;
        var failed = await _connection.ProduceAsync("disk", Wire.Batch(1_700_000_000_000, ("lost", "never-acknowledged")));
        _disk.DiskFull = false;
        _disk.FailTruncate = false;

        Assert.Equal((short)ErrorCode.KafkaStorageError, failed.ErrorCode);
        Assert.Equal(acknowledged, await _connection.ConsumeAllAsync("disk"));
        acknowledged.AddRange(await ProduceAcknowledgedAsync("after", 2));
        Assert.Equal(acknowledged, await _connection.ConsumeAllAsync("disk"));
        Assert.Equal(Enumerable.Range(0, acknowledged.Count).Select(i => (long)i), acknowledged.Select(r => r.Offset));
    }

    [Fact]
    public async Task Produce_UnexpectedErrorOnOnePartition_OtherPartitionsKeepTheirResults()
    {
        var create = BadInputTests.CreateTopic("split", 2);
        Assert.Equal(0, Assert.Single((await _connection.SendAsync<CreateTopicsResponse>(create, 7)).Topics).ErrorCode);
        _disk.AppendFault = path => path.Contains($"{Path.DirectorySeparatorChar}split-1{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? new InvalidOperationException("unexpected")
            : null;
        var request = ProduceFetchTests.Produce("split", 0, Wire.Batch(1_700_000_000_000, ("a", "written")));
        request.TopicData[0].PartitionData.Add(new() { Index = 1, Records = new MemoryRecords(Wire.Batch(1_700_000_000_000, ("b", "refused"))) });

        var partitions = (await _connection.SendAsync<ProduceResponse>(request, 9)).Responses[0].PartitionResponses;
        _disk.AppendFault = null;

        Assert.Equal((0, (short)0, 0L), (partitions[0].Index, partitions[0].ErrorCode, partitions[0].BaseOffset));
        Assert.Equal((1, (short)ErrorCode.UnknownServerError), (partitions[1].Index, partitions[1].ErrorCode));
        Assert.Equal([new ConsumedRecord(0, "a", "written")], await _connection.ConsumeAllAsync("split"));
    }
}
