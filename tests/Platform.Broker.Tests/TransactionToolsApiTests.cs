using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Broker.Tests;

/// <summary>DescribeProducers, ListTransactions and DescribeTransactions through the wire.</summary>
public sealed class TransactionToolsApiTests : IAsyncLifetime
{
    private EmbeddedBroker _broker = null!;
    private RawConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync();
        _connection = await RawConnection.ConnectAsync(_broker);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _broker.DisposeAsync();
    }

    /// <summary>"open-txn" has an open transaction on "tools" holding one batch; "done-txn" committed one.</summary>
    private async Task<(long OpenPid, long DonePid)> SetUpAsync()
    {
        await _connection.CreateTopicAsync("tools");
        var done = await _connection.InitProducerIdAsync("done-txn");
        Assert.Equal(0, await _connection.AddPartitionAsync("done-txn", done.ProducerId, done.ProducerEpoch, "tools"));
        Assert.Equal(0, (await _connection.ProduceAsync("tools", TxnWire.Batch(done.ProducerId, done.ProducerEpoch, 0, "d-0", "d-1"))).ErrorCode);
        Assert.Equal(0, await _connection.EndTxnAsync("done-txn", done.ProducerId, done.ProducerEpoch, commit: true));

        var open = await _connection.InitProducerIdAsync("open-txn", timeoutMs: 45_000);
        Assert.Equal(0, await _connection.AddPartitionAsync("open-txn", open.ProducerId, open.ProducerEpoch, "tools"));
        Assert.Equal(0, (await _connection.ProduceAsync("tools", TxnWire.Batch(open.ProducerId, open.ProducerEpoch, 0, "o-0"))).ErrorCode);
        return (open.ProducerId, done.ProducerId);
    }

    [Fact]
    public async Task DescribeProducers_OpenTransaction_ShowsItsFirstOffset()
    {
        var (openPid, donePid) = await SetUpAsync();
        var request = new DescribeProducersRequest { Topics = [new() { Name = "tools", PartitionIndexes = [0, 7] }, new() { Name = "missing", PartitionIndexes = [0] }] };

        var response = await _connection.SendAsync<DescribeProducersResponse>(request, 0);

        var partition = response.Topics[0].Partitions[0];
        Assert.Equal(0, partition.ErrorCode);
        var open = Assert.Single(partition.ActiveProducers, p => p.ProducerId == openPid);
        var done = Assert.Single(partition.ActiveProducers, p => p.ProducerId == donePid);
        Assert.Equal((0, 0, 3L), (open.ProducerEpoch, open.LastSequence, open.CurrentTxnStartOffset));
        Assert.Equal((1, -1L), (done.LastSequence, done.CurrentTxnStartOffset));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, response.Topics[0].Partitions[1].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, response.Topics[1].Partitions[0].ErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task ListTransactions_NoFilter_EveryId(short version)
    {
        var (openPid, donePid) = await SetUpAsync();

        var response = await _connection.SendAsync<ListTransactionsResponse>(new ListTransactionsRequest(), version);

        Assert.Equal(0, response.ErrorCode);
        Assert.Equal(
            [("done-txn", donePid, "CompleteCommit"), ("open-txn", openPid, "Ongoing")],
            response.TransactionStates.Select(t => (t.TransactionalId, t.ProducerId, t.TransactionState)).OrderBy(t => t.TransactionalId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListTransactions_StateAndProducerFilters_UnknownStatesEchoed()
    {
        var (openPid, donePid) = await SetUpAsync();

        var byState = await _connection.SendAsync<ListTransactionsResponse>(new ListTransactionsRequest { StateFilters = ["Ongoing", "Bogus"] }, 0);
        var byProducer = await _connection.SendAsync<ListTransactionsResponse>(new ListTransactionsRequest { ProducerIdFilters = [donePid] }, 0);
        var both = await _connection.SendAsync<ListTransactionsResponse>(new ListTransactionsRequest { StateFilters = ["Ongoing"], ProducerIdFilters = [donePid] }, 0);

        Assert.Equal("open-txn", Assert.Single(byState.TransactionStates).TransactionalId);
        Assert.Equal(["Bogus"], byState.UnknownStateFilters);
        Assert.Equal("done-txn", Assert.Single(byProducer.TransactionStates).TransactionalId);
        Assert.Empty(both.TransactionStates);
        Assert.NotEqual(openPid, donePid);
    }

    [Fact]
    public async Task ListTransactions_V1DurationFilter_OnlyTransactionsOpenThatLong()
    {
        await SetUpAsync();

        var recent = await _connection.SendAsync<ListTransactionsResponse>(new ListTransactionsRequest { DurationFilter = 0 }, 1);
        var old = await _connection.SendAsync<ListTransactionsResponse>(new ListTransactionsRequest { DurationFilter = 3_600_000 }, 1);

        Assert.Equal("open-txn", Assert.Single(recent.TransactionStates).TransactionalId);
        Assert.Empty(old.TransactionStates);
    }

    [Fact]
    public async Task DescribeTransactions_KnownAndUnknownIds()
    {
        var (openPid, _) = await SetUpAsync();

        var response = await _connection.SendAsync<DescribeTransactionsResponse>(new DescribeTransactionsRequest { TransactionalIds = ["open-txn", "done-txn", "nope"] }, 0);

        var open = response.TransactionStates[0];
        Assert.Equal((0, "Ongoing", 45_000, openPid, (short)0), (open.ErrorCode, open.TransactionState, open.TransactionTimeoutMs, open.ProducerId, open.ProducerEpoch));
        Assert.True(open.TransactionStartTimeMs > 0);
        var topic = Assert.Single(open.Topics);
        Assert.Equal("tools", topic.Topic);
        Assert.Equal([0], topic.Partitions);
        var done = response.TransactionStates[1];
        Assert.Equal((0, "CompleteCommit", -1L), (done.ErrorCode, done.TransactionState, done.TransactionStartTimeMs));
        Assert.Empty(done.Topics);
        Assert.Equal((short)ErrorCode.TransactionalIdNotFound, response.TransactionStates[2].ErrorCode);
    }
}
