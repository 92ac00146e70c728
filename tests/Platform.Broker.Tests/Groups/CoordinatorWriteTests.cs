using Microsoft.Extensions.DependencyInjection;
using Platform.Broker.Groups;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Storage;
using Platform.Storage.Testing;

namespace Platform.Broker.Tests.Groups;

/// <summary>
/// Coordinator writes with write.caching=false: a change is answered, and applied, only once its record
/// is durable, without holding the group while the fsync runs; writes of one partition complete in
/// the order they were appended.
/// </summary>
public sealed class CoordinatorWriteTests
{
    private static readonly List<OffsetFetchRequest.OffsetFetchRequestTopic> OrdersPartition0 = [new() { Name = "orders", PartitionIndexes = [0] }];

    [Fact]
    public async Task Commit_FsyncStalled_AnsweredOnlyOnceDurable_WhileTheGroupKeepsServing()
    {
        var disk = new FaultInjectingFileSystem();
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var armed = 0;
        disk.FlushFault = path =>
        {
            if (path.Contains(GroupCoordinator.TopicName, StringComparison.Ordinal) && Interlocked.Exchange(ref armed, 0) == 1)
            {
                stalled.TrySetResult();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        };
        await using var broker = await StartAsync("coordinator-stall", disk);
        await using var member = await StableMemberAsync(broker, "stalled");
        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 0, 1));
        await using var other = await GroupClient.ConnectAsync(broker.Broker, "stalled");
        other.MemberId = member.MemberId;
        other.Generation = member.Generation;

        Interlocked.Exchange(ref armed, 1);
        var commit = member.CommitAsync("orders", 0, 2);
        await stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The fsync of the commit hangs: the group still answers, and still shows the durable offset.
        var heartbeat = await other.HeartbeatAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var whileStalled = await other.FetchOffsetsAsync(OrdersPartition0).WaitAsync(TimeSpan.FromSeconds(10));
        var answeredEarly = commit.IsCompleted;
        release.Set();

        Assert.Equal(ErrorCode.None, heartbeat);
        Assert.Equal(1, whileStalled.Topics[0].Partitions[0].CommittedOffset);
        Assert.False(answeredEarly, "the commit was answered before its record was durable");
        Assert.Equal(ErrorCode.None, await commit.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, (await other.FetchOffsetsAsync(OrdersPartition0)).Topics[0].Partitions[0].CommittedOffset);
    }

    [Fact]
    public async Task Commit_FsyncFails_CoordinatorNotAvailable_AndTheOffsetIsNotApplied()
    {
        var disk = new FaultInjectingFileSystem();
        var failing = 0;
        disk.FlushFault = path => Volatile.Read(ref failing) == 1 && path.Contains(GroupCoordinator.TopicName, StringComparison.Ordinal)
            ? new IOException("injected fsync failure")
            : null;
        await using var broker = await StartAsync("coordinator-fsync-fails", disk);
        await using var member = await StableMemberAsync(broker, "failing");
        Assert.Equal(ErrorCode.None, await member.CommitAsync("orders", 0, 1));

        Volatile.Write(ref failing, 1);
        var error = await member.CommitAsync("orders", 0, 2);

        Assert.Equal(ErrorCode.CoordinatorNotAvailable, error);
        Assert.Equal(1, (await member.FetchOffsetsAsync(OrdersPartition0)).Topics[0].Partitions[0].CommittedOffset);
    }

    [Theory]
    [InlineData(ErrorCode.None, ErrorCode.None, ErrorCode.None)]
    [InlineData(ErrorCode.NotEnoughReplicas, ErrorCode.CoordinatorNotAvailable, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.NotEnoughReplicasAfterAppend, ErrorCode.CoordinatorNotAvailable, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.NotLeaderOrFollower, ErrorCode.CoordinatorNotAvailable, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut, ErrorCode.RebalanceInProgress)]
    [InlineData(ErrorCode.MessageTooLarge, ErrorCode.InvalidCommitOffsetSize, ErrorCode.UnknownServerError)]
    [InlineData(ErrorCode.KafkaStorageError, ErrorCode.CoordinatorNotAvailable, ErrorCode.CoordinatorNotAvailable)]
    [InlineData(ErrorCode.CorruptMessage, ErrorCode.CorruptMessage, ErrorCode.UnknownServerError)]
    public void WriteError_AsKafkaAnswersIt_RetriableWhereThePartitionLostItsLeaderOrReplicas(ErrorCode write, ErrorCode commit, ErrorCode store)
    {
        // A partition of the coordinator's topic short of in-sync replicas (a broker just died) is a coordinator to
        // find again: a client fails for good on UNKNOWN_SERVER_ERROR from SyncGroup (a Connect sink task did).
        Assert.Equal(commit, CoordinatorTopic.CommitError(write));
        Assert.Equal(store, CoordinatorTopic.GroupStoreError(write));
    }

    [Fact]
    public async Task WriteQueue_AcknowledgementsOutOfOrder_CompletionsInAppendOrder()
    {
        var queue = new CoordinatorWriteQueue();
        var acks = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var completed = new System.Collections.Concurrent.ConcurrentQueue<(int Write, ErrorCode Error)>();
        queue.Write(() => acks[0].Task, e => completed.Enqueue((0, e)));
        queue.Write(() => throw new LogException(ErrorCode.MessageTooLarge, "too large"), e => completed.Enqueue((1, e)));
        queue.Write(() => acks[1].Task, e => completed.Enqueue((2, e)));
        queue.Write(() => acks[2].Task, e => completed.Enqueue((3, e)));

        acks[2].SetResult();
        acks[1].SetException(new StorageException("fsync failed"));
        acks[0].SetResult();

        Assert.True(await Wire.EventuallyAsync(() => Task.FromResult(completed.Count == 4), TimeSpan.FromSeconds(10)));
        Assert.Equal([(0, ErrorCode.None), (1, ErrorCode.MessageTooLarge), (2, ErrorCode.KafkaStorageError), (3, ErrorCode.None)], completed.ToArray());
    }

    private static async Task<RestartableBroker> StartAsync(string name, FaultInjectingFileSystem disk)
    {
        var broker = new RestartableBroker(name);
        await broker.StartAsync(o => o.GroupInitialRebalanceDelayMs = 0, services => services.AddSingleton<IStorageFileSystem>(disk));
        await broker.Connection.CreateTopicAsync("orders");
        return broker;
    }

    private static async Task<GroupClient> StableMemberAsync(RestartableBroker broker, string groupId)
    {
        var member = await GroupClient.ConnectAsync(broker.Broker, groupId);
        Assert.Equal(0, (await member.JoinFullyAsync()).ErrorCode);
        Assert.Equal(0, (await member.SyncAsync(new() { [member.MemberId] = "orders-0" })).ErrorCode);
        return member;
    }
}
