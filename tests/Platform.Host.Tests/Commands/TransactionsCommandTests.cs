using System.CommandLine;
using Platform.Broker;
using Platform.Client;
using Platform.Client.Admin;
using Platform.Client.Network;
using Platform.Host.Commands;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Host.Tests.Commands;

/// <summary>The transaction admin calls and <c>platform transactions</c> against a broker holding one open transaction.</summary>
public sealed class TransactionsCommandTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;
    private IAdminClient _admin = null!;
    private long _producerId;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync();
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await _admin.CreateTopicsAsync([new TopicSpecification { Name = "held", NumPartitions = 1 }]);

        // An open transaction holding the partition's last stable offset at 0.
        await using var connection = await KafkaConnection.ConnectAsync(BrokerAddress.Parse(_broker.BootstrapServers));
        var init = await connection.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = "held-txn", TransactionTimeoutMs = 60_000, ProducerId = -1, ProducerEpoch = -1 });
        Assert.Equal(0, init.ErrorCode);
        _producerId = init.ProducerId;
        await connection.SendAsync<AddPartitionsToTxnResponse>(
            new AddPartitionsToTxnRequest { V3AndBelowTransactionalId = "held-txn", V3AndBelowProducerId = init.ProducerId, V3AndBelowProducerEpoch = init.ProducerEpoch, V3AndBelowTopics = [new() { Name = "held", Partitions = [0] }] },
            3);
        using var builder = new RecordBatchBuilder { ProducerId = init.ProducerId, ProducerEpoch = init.ProducerEpoch, BaseSequence = 0, IsTransactional = true };
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, "v"u8.ToArray());
        var produce = new ProduceRequest { Acks = -1, TimeoutMs = 5_000, TopicData = [new() { Name = "held", PartitionData = [new() { Index = 0, Records = new MemoryRecords(builder.BuildToArray()) }] }] };
        var produced = await connection.SendAsync<ProduceResponse>(produce);
        Assert.Equal(0, produced.Responses[0].PartitionResponses[0].ErrorCode);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] arguments)
    {
        var root = new RootCommand { TransactionsCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await root.Parse(["transactions", .. arguments, "--bootstrap-server", _broker.BootstrapServers]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task AdminCalls_OpenTransaction_ListedDescribedAndProducerShown()
    {
        var listed = await _admin.ListTransactionsAsync(new ListTransactionsOptions { States = ["Ongoing"] });
        var described = Assert.Single(await _admin.DescribeTransactionsAsync(["held-txn"]));
        var producers = Assert.Single(await _admin.DescribeProducersAsync([new TopicPartition("held", 0)]));

        Assert.Equal(("held-txn", _producerId, "Ongoing"), Assert.Single(listed) is var l ? (l.TransactionalId, l.ProducerId, l.State) : default);
        Assert.Equal(("Ongoing", _producerId), (described.State, described.ProducerId));
        Assert.Equal([new TopicPartition("held", 0)], described.Partitions);
        Assert.Equal(0L, Assert.Single(producers.ActiveProducers).CurrentTransactionStartOffset);
        var missing = await Assert.ThrowsAsync<DescribeTransactionsException>(() => _admin.DescribeTransactionsAsync(["nope"]));
        Assert.Equal(ErrorCode.TransactionalIdNotFound, missing.Error.Code);
    }

    [Fact]
    public async Task ListAndDescribe_ShowStateAndLastStableOffset()
    {
        var list = await RunAsync("list");
        var describe = await RunAsync("describe", "--transactional-id", "held-txn");

        Assert.True(list.Exit == 0, list.Err);
        Assert.Contains($"held-txn\t1\t{_producerId}\tOngoing", list.Out, StringComparison.Ordinal);
        Assert.True(describe.Exit == 0, describe.Err);
        Assert.Contains("\tOngoing\t60000\t", describe.Out, StringComparison.Ordinal);
        Assert.Contains("held\t0\t0\t1", describe.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindHangingThenAbort_ReleasesTheLastStableOffset()
    {
        var hanging = await RunAsync("find-hanging", "--max-transaction-timeout", "0");
        var wrongOffset = await RunAsync("abort", "--topic", "held", "--partition", "0", "--start-offset", "5");
        var abort = await RunAsync("abort", "--topic", "held", "--partition", "0", "--start-offset", "0");

        Assert.Contains($"held\t0\t{_producerId}\t0\t", hanging.Out, StringComparison.Ordinal);
        Assert.Equal(1, wrongOffset.Exit);
        Assert.True(abort.Exit == 0, abort.Err);
        var lso = await _admin.ListOffsetsAsync([new TopicPartitionOffsetSpec(new TopicPartition("held", 0), OffsetSpec.Latest())], new ListOffsetsOptions { IsolationLevel = IsolationLevel.ReadCommitted });
        Assert.Equal(2, lso.ResultInfos[0].Offset);
        Assert.Null(Assert.Single((await _admin.DescribeProducersAsync([new TopicPartition("held", 0)]))[0].ActiveProducers).CurrentTransactionStartOffset);
    }
}
