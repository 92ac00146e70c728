using Platform.Protocol;
using Platform.Protocol.RecordFormat;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

/// <summary>What replication needs of a log: the leader epoch cache, appends as a follower, truncation, and the replicated high watermark.</summary>
public sealed class ReplicaLogTests : IDisposable
{
    private const long Pid = 7000;

    private readonly TempDir _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private PartitionLog Open(string name = "leader", LogConfig? config = null) => OpenLog(_dir.Partition(name), config, time: _time);

    private static string CheckpointPath(PartitionLog log) => Path.Combine(log.Directory, "leader-epoch-checkpoint");

    /// <summary>Copies the leader's batches from <paramref name="from"/> into the follower, as a fetcher does.</summary>
    private static void Replicate(PartitionLog leader, PartitionLog follower, long from)
    {
        foreach (var batch in leader.ReadAll(from))
        {
            follower.AppendAsFollower(batch);
        }
    }

    [Fact]
    public void EpochCache_RecordsEachNewEpochAtItsFirstOffset_AndAnswersEndOffsets()
    {
        using var log = Open();
        log.Append(TestBatches.Create(records: 3), 0);
        log.Append(TestBatches.Create(records: 2), 0);
        log.Append(TestBatches.Create(records: 4), 2);
        log.AssignEpochAtLogEnd(5);
        log.Append(TestBatches.Create(records: 1), 5);

        Assert.Equal([(0, 0L), (2, 5L), (5, 9L)], log.EpochEntries);
        Assert.Equal((0, 5L), log.EndOffsetForEpoch(0));
        Assert.Equal((0, 5L), log.EndOffsetForEpoch(1));
        Assert.Equal((2, 9L), log.EndOffsetForEpoch(4));
        Assert.Equal((5, 10L), log.EndOffsetForEpoch(5));
        Assert.Equal((-1, -1L), log.EndOffsetForEpoch(6));
        Assert.Equal("0\n3\n0 0\n2 5\n5 9\n", File.ReadAllText(CheckpointPath(log)));
    }

    [Fact]
    public void EpochCache_MissingCheckpoint_IsRebuiltFromTheBatches()
    {
        var directory = _dir.Partition("leader");
        using (var log = OpenLog(directory, time: _time))
        {
            log.Append(TestBatches.Create(records: 2), 1);
            log.Append(TestBatches.Create(records: 2), 3);
            log.Append(TestBatches.Create(records: 2), 3);
        }

        File.Delete(Path.Combine(directory, "leader-epoch-checkpoint"));
        using var reopened = OpenLog(directory, time: _time);

        Assert.Equal([(1, 0L), (3, 2L)], reopened.EpochEntries);
        Assert.True(File.Exists(Path.Combine(directory, "leader-epoch-checkpoint")));
    }

    [Fact]
    public void AppendAsFollower_KeepsTheLeadersOffsetsEpochsAndProducerState_ByteForByte()
    {
        using var leader = Open("leader", Config((LogConfig.SegmentBytesConfig, "400")));
        using var follower = Open("follower", Config((LogConfig.SegmentBytesConfig, "400")));
        leader.Append(TestBatches.Create(records: 2), 0);
        leader.Append(TestBatches.Idempotent(Pid, 0, 0, records: 3), 1);
        leader.Append(TestBatches.Idempotent(Pid, 0, 3, records: 2, transactional: true), 1);
        leader.AppendMarker(Pid, 0, 0, commit: false, leaderEpoch: 2);
        for (var i = 0; i < 6; i++)
        {
            leader.Append(TestBatches.Create(records: 2), 2);
        }

        Replicate(leader, follower, 0);

        Assert.Equal(leader.LogEndOffset, follower.LogEndOffset);
        Assert.Equal(leader.EpochEntries, follower.EpochEntries);
        Assert.Equal(leader.ReadAll(), follower.ReadAll());
        Assert.True(follower.SegmentCount > 1);
        Assert.Equal(4, follower.GetProducerState(Pid)!.LastSequence);
        Assert.Equal(leader.GetAbortedTransactions(0, leader.LogEndOffset), follower.GetAbortedTransactions(0, follower.LogEndOffset));
        // Flushed, so the active segments' appends are in the files (a direct tail writes them a little later).
        leader.Flush();
        follower.Flush();
        Assert.Equal(SegmentBytes(leader), SegmentBytes(follower));
    }

    [Fact]
    public void AppendAsFollower_TransactionsAndTheirMarkersInOneFetch_IndexesTheLeadersAborts()
    {
        using var leader = Open("leader");
        using var follower = Open("follower");
        leader.Append(TestBatches.Idempotent(Pid, 0, 0, records: 2, transactional: true), 0); // 0-1, committed at 2
        leader.AppendMarker(Pid, 0, 0, commit: true, leaderEpoch: 0);
        leader.Append(TestBatches.Idempotent(Pid, 0, 2, records: 2, transactional: true), 0); // 3-4, aborted at 5
        leader.AppendMarker(Pid, 0, 0, commit: false, leaderEpoch: 0);
        leader.Append(TestBatches.Idempotent(Pid, 0, 4, records: 1, transactional: true), 0); // 6, still open

        // One fetch brings them all, as a follower catching up gets them.
        follower.AppendAsFollower(leader.ReadAll().SelectMany(batch => batch).ToArray());

        Assert.Equal([new AbortedTransaction(Pid, 3, 5, 6)], follower.GetAbortedTransactions(0, follower.LogEndOffset));
        Assert.Equal(leader.GetAbortedTransactions(0, leader.LogEndOffset), follower.GetAbortedTransactions(0, follower.LogEndOffset));
        follower.SetReplicatedHighWatermark(follower.LogEndOffset);
        Assert.Equal(6, follower.LastStableOffset);
    }

    [Fact]
    public void AppendAsFollower_GapOrOverlap_IsRefusedAndWritesNothing()
    {
        using var leader = Open("leader");
        using var follower = Open("follower");
        leader.Append(TestBatches.Create(records: 2), 0);
        leader.Append(TestBatches.Create(records: 2), 0);
        var batches = leader.ReadAll();
        follower.AppendAsFollower(batches[0]);

        Assert.Equal(ErrorCode.CorruptMessage, Assert.ThrowsAny<LogException>(() => follower.AppendAsFollower(batches[0])).ErrorCode);
        Assert.Equal(2, follower.LogEndOffset);
        var corrupt = (byte[])batches[1].Clone();
        corrupt[^1] ^= 1;
        Assert.ThrowsAny<LogException>(() => follower.AppendAsFollower(corrupt));
        Assert.Equal(2, follower.LogEndOffset);
    }

    [Fact]
    public void TruncateTo_CutsSegmentsIndexesProducerStateAndEpochs_AndSurvivesRestart()
    {
        var config = Config((LogConfig.SegmentBytesConfig, "300"));
        var directory = _dir.Partition("follower");
        using (var log = OpenLog(directory, config, time: _time))
        {
            for (var i = 0; i < 4; i++)
            {
                log.Append(TestBatches.Idempotent(Pid, 0, i * 2, records: 2), 1);
            }

            log.Append(TestBatches.Idempotent(Pid, 0, 8, records: 2, transactional: true), 1);
            log.AppendMarker(Pid, 0, 0, commit: false, leaderEpoch: 3);
            for (var i = 0; i < 4; i++)
            {
                log.Append(TestBatches.Idempotent(Pid, 0, 10 + (i * 2), records: 2), 3);
            }

            Assert.True(log.SegmentCount >= 3);
            Assert.Equal(19, log.LogEndOffset);

            var end = log.TruncateTo(6);

            Assert.Equal(6, end);
            Assert.Equal(6, log.LogEndOffset);
            Assert.Equal([(1, 0L)], log.EpochEntries);
            Assert.Equal(5, log.GetProducerState(Pid)!.LastSequence);
            Assert.Empty(log.GetAbortedTransactions(0, long.MaxValue));
            Assert.Equal(3, log.ReadAll().Count);

            // The log takes appends again from the cut, under the new leader's epoch.
            log.Append(TestBatches.Idempotent(Pid, 0, 6, records: 2), 4);
            Assert.Equal([(1, 0L), (4, 6L)], log.EpochEntries);
        }

        using var reopened = OpenLog(directory, config, time: _time);
        Assert.Equal(8, reopened.LogEndOffset);
        Assert.Equal([(1, 0L), (4, 6L)], reopened.EpochEntries);
        Assert.Equal(7, reopened.GetProducerState(Pid)!.LastSequence);
        Assert.Equal([0L, 2, 4, 6], reopened.ReadAll().Select(b => RecordBatchHeader.BaseOffset(b)));
    }

    [Fact]
    public void TruncateTo_BelowTheFirstSegment_EmptiesTheLog()
    {
        using var log = Open();
        log.Append(TestBatches.Create(records: 3), 0);

        Assert.Equal(0, log.TruncateTo(0));
        Assert.Equal(0, log.LogEndOffset);
        Assert.Empty(log.EpochEntries);
        Assert.Equal(0, log.Append(TestBatches.Create(records: 1), 1).FirstOffset);
    }

    [Fact]
    public void TruncateFullyAndStartAt_PastTheLogEnd_StartsEmptyThereAndTakesTheLeadersBatches()
    {
        using var leader = Open("leader");
        using var follower = Open("follower");
        for (var i = 0; i < 5; i++)
        {
            leader.Append(TestBatches.Create(records: 2), 1);
        }

        follower.Append(TestBatches.Create(records: 1), 0);
        follower.TruncateFullyAndStartAt(6);

        Assert.Equal((6L, 6L), (follower.LogStartOffset, follower.LogEndOffset));
        Assert.Empty(follower.EpochEntries);
        Replicate(leader, follower, 6);
        Assert.Equal(leader.ReadAll(6), follower.ReadAll());
        Assert.Equal([(1, 6L)], follower.EpochEntries);
    }

    [Fact]
    public void ReplicatedHighWatermark_CapsWhatReadersSee()
    {
        using var log = Open();
        var woken = 0;
        log.ReadableChanged += () => woken++;
        log.SetReplicatedHighWatermark(0);
        log.Append(TestBatches.Create(records: 3), 0);

        Assert.Equal(0, log.HighWatermark);
        log.SetReplicatedHighWatermark(2);
        Assert.Equal(2, log.HighWatermark);
        Assert.True(woken > 0);
        log.SetReplicatedHighWatermark(long.MaxValue);
        Assert.Equal(3, log.HighWatermark);
    }

    /// <summary>The log's bytes as its segment files hold them, up to its size (the active segment's file may go on with zeros until it is sealed).</summary>
    private static byte[] SegmentBytes(PartitionLog log)
        => [.. Directory.GetFiles(log.Directory, "*.log").Order(StringComparer.Ordinal).SelectMany(File.ReadAllBytes).Take((int)log.Size)];
}
