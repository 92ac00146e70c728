using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Transactions;

namespace Platform.Broker.Tests;

/// <summary>
/// transactional.id.expiration.ms with transaction.remove.expired.transaction.cleanup.interval.ms: ids
/// with no open transaction are tombstoned in <c>__transaction_state</c> once idle past the expiration.
/// </summary>
public sealed class TransactionExpirationTests : IAsyncLifetime
{
    private const long ExpirationMs = 2_000;
    private readonly RestartableBroker _node = new("txn-expire");

    public async Task InitializeAsync() => await StartAsync(expire: true);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task IdleIds_WithNoOpenTransaction_TombstonedAndForgotten_OpenTransactionKept()
    {
        await _node.Connection.CreateTopicAsync("expire");
        var idle = Stopwatch.StartNew();
        var empty = await _node.Connection.InitProducerIdAsync("expire-empty");
        var (donePid, doneEpoch) = await BeginAsync("expire-done", "expire");
        Assert.Equal(0, (await _node.Connection.ProduceAsync("expire", TxnWire.Batch(donePid, doneEpoch, 0, "d-0"))).ErrorCode);
        Assert.Equal(0, await _node.Connection.EndTxnAsync("expire-done", donePid, doneEpoch, commit: true));
        var (openPid, openEpoch) = await BeginAsync("expire-open", "expire");
        Assert.Equal(0, (await _node.Connection.ProduceAsync("expire", TxnWire.Batch(openPid, openEpoch, 0, "o-0"))).ErrorCode);
        var coordinator = _node.Broker.Services.GetRequiredService<TransactionCoordinator>();
        Assert.Equal(TransactionState.CompleteCommit, coordinator.Get("expire-done")?.State);
        if (idle.ElapsedMilliseconds < ExpirationMs / 2)
        {
            // Checked only while surely younger than the expiration, so a stalled machine cannot fail it.
            Assert.NotNull(coordinator.Get("expire-empty"));
        }

        var expired = await Wire.EventuallyAsync(
            () => Task.FromResult(coordinator.Get("expire-empty") is null && coordinator.Get("expire-done") is null),
            TimeSpan.FromSeconds(20));

        Assert.True(expired, "idle transactional ids were not removed");
        Assert.True(idle.ElapsedMilliseconds >= ExpirationMs, $"removed after {idle.ElapsedMilliseconds} ms, before transactional.id.expiration.ms");
        Assert.Equal(TransactionState.Ongoing, coordinator.Get("expire-open")?.State);

        // Restarted without expiration: only the tombstones in __transaction_state keep them gone.
        await StopAsync();
        await StartAsync(expire: false);
        coordinator = _node.Broker.Services.GetRequiredService<TransactionCoordinator>();
        Assert.Null(coordinator.Get("expire-empty"));
        Assert.Null(coordinator.Get("expire-done"));
        Assert.Equal(TransactionState.Ongoing, coordinator.Get("expire-open")?.State);
        var again = await _node.Connection.InitProducerIdAsync("expire-empty");
        Assert.Equal(0, again.ErrorCode);
        Assert.NotEqual(empty.ProducerId, again.ProducerId);
    }

    private async Task<(long ProducerId, short Epoch)> BeginAsync(string transactionalId, string topic)
    {
        var init = await _node.Connection.InitProducerIdAsync(transactionalId, timeoutMs: 60_000);
        Assert.Equal(0, init.ErrorCode);
        Assert.Equal(0, await _node.Connection.AddPartitionAsync(transactionalId, init.ProducerId, init.ProducerEpoch, topic));
        return (init.ProducerId, init.ProducerEpoch);
    }

    private Task StartAsync(bool expire) => _node.StartAsync(o =>
    {
        if (expire)
        {
            o.TransactionalIdExpirationMs = ExpirationMs;
            o.TransactionRemoveExpiredTransactionCleanupIntervalMs = 100;
        }
    });

    private Task StopAsync() => _node.StopAsync();
}
