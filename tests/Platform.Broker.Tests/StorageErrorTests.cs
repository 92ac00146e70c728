using Microsoft.Extensions.DependencyInjection;
using Platform.Protocol;
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
}
