using System.Text;
using Platform.Broker.Cluster;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Broker.Tests;

/// <summary>InitProducerId and idempotent Produce through the wire, including across broker restarts.</summary>
public sealed class IdempotentProduceTests : IAsyncLifetime
{
    private readonly RestartableBroker _node = new("idem");

    public async Task InitializeAsync() => await StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task StartAsync() => _node.StartAsync();

    private Task StopAsync() => _node.StopAsync();

    private static byte[] Batch(long producerId, short epoch, int baseSequence, int count, string prefix = "v")
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = baseSequence };
        for (var i = 0; i < count; i++)
        {
            builder.Append(1_700_000_000_000 + i, Encoding.UTF8.GetBytes($"k-{i}"), Encoding.UTF8.GetBytes($"{prefix}-{baseSequence + i}"));
        }

        return builder.BuildToArray();
    }

    private async Task<InitProducerIdResponse> InitProducerIdAsync(short version = 4, string? transactionalId = null)
        => await _node.Connection.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = 60_000 }, version);

    private async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(string topic, byte[] records)
        => (await _node.Connection.SendAsync<ProduceResponse>(Wire.ProduceRequest(topic, 0, records), 9)).Responses[0].PartitionResponses[0];

    private async Task<List<(long Offset, string Value)>> FetchAllAsync(string topic)
    {
        var request = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = 1 << 20,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        };
        return ProduceFetchTests.Decode((await _node.Connection.SendAsync<FetchResponse>(request, 11)).Responses[0].Partitions[0].Records);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task InitProducerId_EachVersion_FreshProducerIdAtEpochZero(short version)
    {
        var first = await InitProducerIdAsync(version);
        var second = await InitProducerIdAsync(version);

        Assert.Equal((0, (short)0), (first.ErrorCode, first.ProducerEpoch));
        Assert.Equal((0, (short)0), (second.ErrorCode, second.ProducerEpoch));
        Assert.True(first.ProducerId >= 0);
        Assert.NotEqual(first.ProducerId, second.ProducerId);
    }

    [Fact]
    public async Task InitProducerId_EmptyTransactionalId_InvalidRequest()
    {
        var response = await InitProducerIdAsync(transactionalId: "");

        Assert.Equal((short)ErrorCode.InvalidRequest, response.ErrorCode);
        Assert.Equal(-1, response.ProducerId);
    }

    [Fact]
    public async Task InitProducerId_SameTransactionalIdTwice_SameProducerIdNextEpoch()
    {
        var first = await InitProducerIdAsync(transactionalId: "txn-1");
        var second = await InitProducerIdAsync(transactionalId: "txn-1");

        Assert.Equal((0, 0), (first.ErrorCode, first.ProducerEpoch));
        Assert.Equal((0, first.ProducerId, 1), (second.ErrorCode, second.ProducerId, second.ProducerEpoch));
    }

    [Fact]
    public async Task InitProducerId_AfterRestart_NeverReusesAnId()
    {
        var before = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            before.Add((await InitProducerIdAsync()).ProducerId);
        }

        await StopAsync();
        await StartAsync();
        var after = (await InitProducerIdAsync()).ProducerId;

        Assert.DoesNotContain(after, before);
        Assert.True(after >= ProducerIdManager.BlockSize);
    }

    [Fact]
    public async Task Produce_DuplicateBatch_AnswersOriginalOffsetAndWritesOnce()
    {
        var pid = (await InitProducerIdAsync()).ProducerId;
        Assert.Equal(0, (await ProduceAsync("idem", Batch(pid, 0, 0, 3))).BaseOffset);
        Assert.Equal(3, (await ProduceAsync("idem", Batch(pid, 0, 3, 2))).BaseOffset);

        var retry = await ProduceAsync("idem", Batch(pid, 0, 0, 3));
        var retryLast = await ProduceAsync("idem", Batch(pid, 0, 3, 2));

        Assert.Equal((0, 0L), (retry.ErrorCode, retry.BaseOffset));
        Assert.Equal((0, 3L), (retryLast.ErrorCode, retryLast.BaseOffset));
        Assert.Equal([(0L, "v-0"), (1L, "v-1"), (2L, "v-2"), (3L, "v-3"), (4L, "v-4")], await FetchAllAsync("idem"));
    }

    [Fact]
    public async Task Produce_TwoBatchesForOnePartition_InvalidRecordAndNothingWritten()
    {
        var pid = (await InitProducerIdAsync()).ProducerId;
        await ProduceAsync("two", Batch(pid, 0, 0, 2));

        // A retry of the acknowledged batch followed by a new one: both or neither, and Kafka says neither.
        var result = await ProduceAsync("two", [.. Batch(pid, 0, 0, 2), .. Batch(pid, 0, 2, 2)]);

        Assert.Equal((short)ErrorCode.InvalidRecord, result.ErrorCode);
        Assert.Contains("exactly one record batch", result.ErrorMessage);
        Assert.Equal([(0L, "v-0"), (1L, "v-1")], await FetchAllAsync("two"));
        Assert.Equal(2, (await ProduceAsync("two", Batch(pid, 0, 2, 2))).BaseOffset);
    }

    [Fact]
    public async Task Produce_SequenceGap_OutOfOrderSequenceNumber()
    {
        var pid = (await InitProducerIdAsync()).ProducerId;
        await ProduceAsync("gap", Batch(pid, 0, 0, 2));

        var result = await ProduceAsync("gap", Batch(pid, 0, 5, 1));

        Assert.Equal((short)ErrorCode.OutOfOrderSequenceNumber, result.ErrorCode);
        Assert.Equal(-1, result.BaseOffset);
        Assert.Equal(2, (await FetchAllAsync("gap")).Count);
    }

    [Fact]
    public async Task Produce_OlderEpoch_InvalidProducerEpoch()
    {
        var pid = (await InitProducerIdAsync()).ProducerId;
        await ProduceAsync("epoch", Batch(pid, 1, 0, 1));

        var result = await ProduceAsync("epoch", Batch(pid, 0, 1, 1));

        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, result.ErrorCode);
    }

    [Fact]
    public async Task Produce_NewEpochNotAtSequenceZero_OutOfOrderSequenceNumber()
    {
        var pid = (await InitProducerIdAsync()).ProducerId;
        await ProduceAsync("new-epoch", Batch(pid, 0, 0, 1));

        var notAtZero = await ProduceAsync("new-epoch", Batch(pid, 1, 1, 1));
        var atZero = await ProduceAsync("new-epoch", Batch(pid, 1, 0, 1));

        Assert.Equal((short)ErrorCode.OutOfOrderSequenceNumber, notAtZero.ErrorCode);
        Assert.Equal((0, 1L), (atZero.ErrorCode, atZero.BaseOffset));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Produce_RetryAfterBrokerRestart_Deduplicated(bool withoutSnapshots)
    {
        var pid = (await InitProducerIdAsync()).ProducerId;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(i * 10, (await ProduceAsync("restart", Batch(pid, 0, i * 10, 10))).BaseOffset);
        }

        await StopAsync();
        if (withoutSnapshots)
        {
            // As after a crash before any snapshot: the state comes from the log alone.
            foreach (var snapshot in Directory.GetFiles(Path.Combine(_node.DataDir, "restart-0"), "*.snapshot"))
            {
                File.Delete(snapshot);
            }
        }

        await StartAsync();
        var retry = await ProduceAsync("restart", Batch(pid, 0, 30, 10));
        var next = await ProduceAsync("restart", Batch(pid, 0, 40, 1));

        Assert.Equal((0, 30L), (retry.ErrorCode, retry.BaseOffset));
        Assert.Equal((0, 40L), (next.ErrorCode, next.BaseOffset));
        Assert.Equal(41, (await FetchAllAsync("restart")).Count);
    }
}
