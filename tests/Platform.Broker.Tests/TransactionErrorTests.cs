using Platform.Protocol;

namespace Platform.Broker.Tests;

/// <summary>Transactions through the wire when things go wrong: zombies, bad state, timeouts, restarts.</summary>
public sealed class TransactionErrorTests : IAsyncLifetime
{
    private readonly RestartableBroker _node = new("txn");

    public async Task InitializeAsync() => await StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task StartAsync() => _node.StartAsync(o => o.TransactionAbortTimedOutTransactionCleanupIntervalMs = 100);

    private Task StopAsync() => _node.StopAsync();

    private async Task<(long ProducerId, short Epoch)> BeginAsync(string transactionalId, string topic, int timeoutMs = 60_000)
    {
        var init = await _node.Connection.InitProducerIdAsync(transactionalId, timeoutMs);
        Assert.Equal(0, init.ErrorCode);
        Assert.Equal(0, await _node.Connection.AddPartitionAsync(transactionalId, init.ProducerId, init.ProducerEpoch, topic));
        return (init.ProducerId, init.ProducerEpoch);
    }

    [Theory]
    [InlineData(1, ErrorCode.InvalidProducerEpoch)]
    [InlineData(3, ErrorCode.ProducerFenced)]
    public async Task Zombie_OlderEpochAfterSecondInit_FencedAndCannotWrite(short version, ErrorCode fenced)
    {
        await _node.Connection.CreateTopicAsync("zombie");
        var (pid, oldEpoch) = await BeginAsync("zombie-txn", "zombie");
        Assert.Equal(0, (await _node.Connection.ProduceAsync("zombie", TxnWire.Batch(pid, oldEpoch, 0, "z-0"))).ErrorCode);

        var second = await _node.Connection.InitProducerIdAsync("zombie-txn");
        var produce = await _node.Connection.ProduceAsync("zombie", TxnWire.Batch(pid, oldEpoch, 1, "z-1"));
        var add = await _node.Connection.AddPartitionAsync("zombie-txn", pid, oldEpoch, "zombie", version);
        var end = await _node.Connection.EndTxnAsync("zombie-txn", pid, oldEpoch, commit: true, version);

        Assert.Equal((0, pid), (second.ErrorCode, second.ProducerId));
        Assert.True(second.ProducerEpoch > oldEpoch);
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, produce.ErrorCode);
        Assert.Equal((short)fenced, add);
        Assert.Equal((short)fenced, end);
        var committed = await _node.Connection.FetchCommittedAsync("zombie");
        Assert.Empty(committed.Values);
        Assert.Equal(committed.HighWatermark, committed.LastStableOffset);
    }

    [Fact]
    public async Task Zombie_InitProducerIdWithOldEpoch_ProducerFenced()
    {
        var first = await _node.Connection.InitProducerIdAsync("zombie-init");
        await _node.Connection.InitProducerIdAsync("zombie-init");

        var request = new Protocol.Messages.InitProducerIdRequest { TransactionalId = "zombie-init", TransactionTimeoutMs = 60_000, ProducerId = first.ProducerId, ProducerEpoch = first.ProducerEpoch };
        var again = await _node.Connection.SendAsync<Protocol.Messages.InitProducerIdResponse>(request, 4);

        Assert.Equal((short)ErrorCode.ProducerFenced, again.ErrorCode);
    }

    [Fact]
    public async Task EndTxn_UnknownTransactionalId_InvalidProducerIdMapping()
    {
        Assert.Equal((short)ErrorCode.InvalidProducerIdMapping, await _node.Connection.EndTxnAsync("never-initialised", 12345, 0, commit: true));
    }

    [Fact]
    public async Task EndTxn_NoOngoingTransaction_InvalidTxnState()
    {
        var init = await _node.Connection.InitProducerIdAsync("idle-txn");

        Assert.Equal((short)ErrorCode.InvalidTxnState, await _node.Connection.EndTxnAsync("idle-txn", init.ProducerId, init.ProducerEpoch, commit: true));
        Assert.Equal((short)ErrorCode.InvalidTxnState, await _node.Connection.EndTxnAsync("idle-txn", init.ProducerId, init.ProducerEpoch, commit: false));
    }

    [Fact]
    public async Task EndTxn_AbortAfterCommit_InvalidTxnState_CommitRetrySucceeds()
    {
        await _node.Connection.CreateTopicAsync("retry-end");
        var (pid, epoch) = await BeginAsync("retry-end-txn", "retry-end");
        Assert.Equal(0, await _node.Connection.EndTxnAsync("retry-end-txn", pid, epoch, commit: true));

        Assert.Equal(0, await _node.Connection.EndTxnAsync("retry-end-txn", pid, epoch, commit: true));
        Assert.Equal((short)ErrorCode.InvalidTxnState, await _node.Connection.EndTxnAsync("retry-end-txn", pid, epoch, commit: false));
    }

    [Fact]
    public async Task Produce_TransactionalToPartitionNotAdded_InvalidTxnState()
    {
        await _node.Connection.CreateTopicAsync("added");
        await _node.Connection.CreateTopicAsync("not-added");
        var (pid, epoch) = await BeginAsync("not-added-txn", "added");

        var result = await _node.Connection.ProduceAsync("not-added", TxnWire.Batch(pid, epoch, 0, "x"));

        Assert.Equal((short)ErrorCode.InvalidTxnState, result.ErrorCode);
        Assert.Equal(0, (await _node.Connection.FetchCommittedAsync("not-added")).HighWatermark);
    }

    [Fact]
    public async Task Produce_TransactionalWithoutInit_InvalidTxnState()
    {
        await _node.Connection.CreateTopicAsync("no-init");

        var result = await _node.Connection.ProduceAsync("no-init", TxnWire.Batch(987_654, 0, 0, "x"));

        Assert.Equal((short)ErrorCode.InvalidTxnState, result.ErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(900_001)]
    public async Task InitProducerId_TimeoutOutOfRange_InvalidTransactionTimeout(int timeoutMs)
    {
        var response = await _node.Connection.InitProducerIdAsync("bad-timeout", timeoutMs);

        Assert.Equal((short)ErrorCode.InvalidTransactionTimeout, response.ErrorCode);
    }

    [Fact]
    public async Task Transaction_PastItsTimeout_AbortedByCoordinator_LsoReleased_ProducerFenced()
    {
        await _node.Connection.CreateTopicAsync("timeout");
        var (pid, epoch) = await BeginAsync("timeout-txn", "timeout", timeoutMs: 300);
        Assert.Equal(0, (await _node.Connection.ProduceAsync("timeout", TxnWire.Batch(pid, epoch, 0, "t-0", "t-1"))).ErrorCode);
        var open = await _node.Connection.FetchCommittedAsync("timeout");
        Assert.Equal(0, open.LastStableOffset);

        var released = await Wire.EventuallyAsync(
            async () => await _node.Connection.FetchCommittedAsync("timeout") is var f && f.LastStableOffset == f.HighWatermark && f.HighWatermark > 2,
            TimeSpan.FromSeconds(20));

        Assert.True(released, "The coordinator did not abort the timed-out transaction.");
        Assert.Empty((await _node.Connection.FetchCommittedAsync("timeout")).Values);
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, (await _node.Connection.ProduceAsync("timeout", TxnWire.Batch(pid, epoch, 2, "late"))).ErrorCode);
        Assert.Equal((short)ErrorCode.ProducerFenced, await _node.Connection.EndTxnAsync("timeout-txn", pid, epoch, commit: true));
    }

    [Fact]
    public async Task Restart_MidTransaction_StateReloaded_CommitSucceeds()
    {
        await _node.Connection.CreateTopicAsync("restart-commit");
        var (pid, epoch) = await BeginAsync("restart-commit-txn", "restart-commit");
        Assert.Equal(0, (await _node.Connection.ProduceAsync("restart-commit", TxnWire.Batch(pid, epoch, 0, "r-0", "r-1"))).ErrorCode);

        await StopAsync();
        await StartAsync();
        var before = await _node.Connection.FetchCommittedAsync("restart-commit");
        Assert.Equal(0, (await _node.Connection.ProduceAsync("restart-commit", TxnWire.Batch(pid, epoch, 2, "r-2"))).ErrorCode);
        var end = await _node.Connection.EndTxnAsync("restart-commit-txn", pid, epoch, commit: true);

        Assert.Equal((0L, 0L), (before.LastStableOffset, (long)before.Values.Count));
        Assert.Equal(0, end);
        var after = await _node.Connection.FetchCommittedAsync("restart-commit");
        Assert.Equal(["r-0", "r-1", "r-2"], after.Values);
        Assert.Equal(after.HighWatermark, after.LastStableOffset);
    }

    [Fact]
    public async Task Restart_MidTransaction_AbortedOnTimeoutAfterwards()
    {
        await _node.Connection.CreateTopicAsync("restart-abort");
        var (pid, epoch) = await BeginAsync("restart-abort-txn", "restart-abort", timeoutMs: 1_000);
        Assert.Equal(0, (await _node.Connection.ProduceAsync("restart-abort", TxnWire.Batch(pid, epoch, 0, "a-0"))).ErrorCode);

        await StopAsync();
        await StartAsync();
        var released = await Wire.EventuallyAsync(
            async () => await _node.Connection.FetchCommittedAsync("restart-abort") is var f && f.LastStableOffset == f.HighWatermark && f.HighWatermark > 1,
            TimeSpan.FromSeconds(20));

        Assert.True(released, "The reloaded transaction was not aborted on timeout.");
        Assert.Empty((await _node.Connection.FetchCommittedAsync("restart-abort")).Values);
        Assert.Equal((short)ErrorCode.ProducerFenced, await _node.Connection.EndTxnAsync("restart-abort-txn", pid, epoch, commit: true));
    }

    [Fact]
    public async Task Kcat_ReadCommitted_SeesOnlyCommittedRecords()
    {
        await _node.Connection.CreateTopicAsync("kcat-txn");
        var (pid, epoch) = await BeginAsync("kcat-txn-id", "kcat-txn");
        Assert.Equal(0, (await _node.Connection.ProduceAsync("kcat-txn", TxnWire.Batch(pid, epoch, 0, "c-0", "c-1"))).ErrorCode);
        Assert.Equal(0, await _node.Connection.EndTxnAsync("kcat-txn-id", pid, epoch, commit: true));
        Assert.Equal(0, await _node.Connection.AddPartitionAsync("kcat-txn-id", pid, epoch, "kcat-txn"));
        Assert.Equal(0, (await _node.Connection.ProduceAsync("kcat-txn", TxnWire.Batch(pid, epoch, 2, "a-2", "a-3"))).ErrorCode);
        Assert.Equal(0, await _node.Connection.EndTxnAsync("kcat-txn-id", pid, epoch, commit: false));
        Assert.Equal(0, await _node.Connection.AddPartitionAsync("kcat-txn-id", pid, epoch, "kcat-txn"));
        Assert.Equal(0, (await _node.Connection.ProduceAsync("kcat-txn", TxnWire.Batch(pid, epoch, 4, "c-4"))).ErrorCode);
        Assert.Equal(0, await _node.Connection.EndTxnAsync("kcat-txn-id", pid, epoch, commit: true));

        var result = await ExternalProcess.RunAsync(
            "kcat",
            ["-b", _node.Broker.BootstrapServers, "-C", "-t", "kcat-txn", "-o", "beginning", "-e", "-q", "-f", "%s\n", "-X", "isolation.level=read_committed"]);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal("c-0\nc-1\nc-4\n", result.StdOut);
    }
}
