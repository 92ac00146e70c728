using Platform.Protocol;
using Platform.Protocol.RecordFormat;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

/// <summary>Idempotent appends: sequence and epoch checks, deduplication, and the state across restarts, retention and expiry.</summary>
public sealed class ProducerStateTests : IDisposable
{
    private const long Pid = 1000;

    private readonly TempDir _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    private PartitionLog Open(LogConfig? config = null, IStorageFileSystem? fs = null) => OpenLog(_dir.Partition(), config, fs, _time);

    private static LogAppendInfo Append(PartitionLog log, int sequence, int records = 1, short epoch = 0, long pid = Pid, long timestamp = 1_000)
        => log.Append(TestBatches.Idempotent(pid, epoch, sequence, records, timestamp), 0);

    private static ErrorCode AppendError(PartitionLog log, int sequence, int records = 1, short epoch = 0, long pid = Pid)
        => Assert.ThrowsAny<LogException>(() => Append(log, sequence, records, epoch, pid)).ErrorCode;

    [Fact]
    public void Append_InSequence_AssignsOffsetsAndRecordsBatches()
    {
        using var log = Open();

        Append(log, 0, records: 3);
        Append(log, 3, records: 2);

        var state = log.GetProducerState(Pid);
        Assert.NotNull(state);
        Assert.Equal((short)0, state.ProducerEpoch);
        Assert.Equal(4, state.LastSequence);
        Assert.Equal(new BatchMetadata(3, 4, 3, 4, 1_001), state.LastBatch);
        Assert.Equal(2, state.BatchCount);
    }

    [Fact]
    public void Append_RetryOfEachOfLastFiveBatches_ReturnsOriginalOffsetsAndWritesNothing()
    {
        using var log = Open();
        log.Append(TestBatches.Create(records: 2), 0);
        var originals = Enumerable.Range(0, 7).Select(i => Append(log, i * 2, records: 2)).ToList();
        var size = log.Size;

        for (var i = 2; i < 7; i++)
        {
            var retry = Append(log, i * 2, records: 2);
            Assert.True(retry.IsDuplicate);
            Assert.Equal((originals[i].FirstOffset, originals[i].LastOffset), (retry.FirstOffset, retry.LastOffset));
        }

        Assert.Equal(size, log.Size);
        Assert.Equal(16, log.LogEndOffset);
    }

    [Fact]
    public void Append_RetryOlderThanCachedBatches_DuplicateSequenceNumberAndNothingWritten()
    {
        using var log = Open();
        for (var i = 0; i < 7; i++)
        {
            Append(log, i);
        }

        Assert.Equal(ErrorCode.DuplicateSequenceNumber, AppendError(log, 1));
        Assert.Equal(7, log.LogEndOffset);
    }

    [Fact]
    public void Append_SequenceGap_OutOfOrderSequenceNumber()
    {
        using var log = Open();
        Append(log, 0, records: 2);

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, AppendError(log, 3));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, AppendError(log, 1, records: 2));
        Assert.Equal(2, log.LogEndOffset);
        Assert.Equal(2, Append(log, 2).FirstOffset);
    }

    [Fact]
    public void Append_OlderEpoch_InvalidProducerEpoch()
    {
        using var log = Open();
        Append(log, 0, epoch: 3);

        Assert.Equal(ErrorCode.InvalidProducerEpoch, AppendError(log, 1, epoch: 2));
        Assert.Equal(1, log.LogEndOffset);
    }

    [Fact]
    public void Append_NewEpoch_MustStartAtSequenceZero()
    {
        using var log = Open();
        Append(log, 0, records: 5);

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, AppendError(log, 5, epoch: 1));
        Append(log, 0, epoch: 1);

        var state = log.GetProducerState(Pid)!;
        Assert.Equal((short)1, state.ProducerEpoch);
        Assert.Equal(1, state.BatchCount);
    }

    [Fact]
    public void Append_UnknownProducerAtNonZeroSequence_AcceptedAndTracked()
    {
        using var log = Open();

        Append(log, 42, records: 2);

        Assert.Equal(43, log.GetProducerState(Pid)!.LastSequence);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, AppendError(log, 45));
    }

    [Fact]
    public void Append_SequenceWrapsPastIntMax_ContinuesAtZero()
    {
        using var log = Open();
        Append(log, int.MaxValue - 1, records: 3);

        Assert.Equal(0, log.GetProducerState(Pid)!.LastSequence);
        Assert.True(Append(log, int.MaxValue - 1, records: 3).IsDuplicate);
        Append(log, 1, records: 2);
        Assert.Equal(5, log.LogEndOffset);
    }

    [Fact]
    public void Append_TwoProducersInterleaved_TrackedSeparately()
    {
        using var log = Open();
        Append(log, 0, pid: 1);
        Append(log, 0, pid: 2);
        Append(log, 1, pid: 1);

        Assert.Equal(1, Append(log, 0, pid: 2).FirstOffset);
        Assert.Equal(2, log.GetProducers().Count);
    }

    [Fact]
    public void Append_SeveralBatchesOfOneProducerInOneCall_CheckedInOrder()
    {
        using var log = Open();
        byte[] batches = [.. TestBatches.Idempotent(Pid, 0, 0, 2), .. TestBatches.Idempotent(Pid, 0, 2, 2)];
        log.Append(batches, 0);
        byte[] gap = [.. TestBatches.Idempotent(Pid, 0, 4, 1), .. TestBatches.Idempotent(Pid, 0, 9, 1)];

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, Assert.ThrowsAny<LogException>(() => log.Append(gap, 0)).ErrorCode);
        Assert.Equal(4, log.LogEndOffset);
        Assert.Equal(3, log.GetProducerState(Pid)!.LastSequence);
    }

    [Fact]
    public void Snapshot_SerializeThenLoad_RoundTripsEveryField()
    {
        var state = new ProducerStateManager();
        for (var i = 0; i < 7; i++)
        {
            state.Apply(new ProducerBatch(7, 2, i * 10, (i * 10) + 9, 100 + (i * 10), 109 + (i * 10), 5_000 + i, IsTransactional: i == 6));
        }

        state.Apply(new ProducerBatch(8, 0, int.MaxValue, 0, 200, 201, 6_000, false));
        state.ApplyMarker(9, 4, 7_000, coordinatorEpoch: 12);
        var loaded = new ProducerStateManager();

        Assert.True(loaded.TryLoad(state.Serialize()));

        Assert.Equal(3, loaded.Count);
        var seven = loaded.Get(7)!;
        Assert.Equal(((short)2, 5, 160L, 5_006L), (seven.ProducerEpoch, seven.BatchCount, seven.CurrentTxnFirstOffset, seven.LastTimestamp));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => state.Get(7)!.GetBatch(i)), Enumerable.Range(0, 5).Select(seven.GetBatch));
        Assert.Equal(new BatchMetadata(int.MaxValue, 0, 200, 201, 6_000), loaded.Get(8)!.LastBatch);
        Assert.Equal(((short)4, 12, 0), (loaded.Get(9)!.ProducerEpoch, loaded.Get(9)!.CoordinatorEpoch, loaded.Get(9)!.BatchCount));
    }

    [Fact]
    public void Snapshot_CorruptOrTruncated_Rejected()
    {
        var state = new ProducerStateManager();
        state.Apply(new ProducerBatch(7, 0, 0, 0, 0, 0, 1, false));
        var bytes = state.Serialize();
        var loaded = new ProducerStateManager();

        for (var i = 0; i < bytes.Length; i++)
        {
            var corrupt = bytes.ToArray();
            corrupt[i] ^= 0x10;
            Assert.False(loaded.TryLoad(corrupt));
        }

        Assert.False(loaded.TryLoad(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Equal(0, loaded.Count);
    }

    [Fact]
    public void Reopen_AfterCleanClose_LoadsSnapshotAtLogEndAndDeduplicates()
    {
        using (var log = Open())
        {
            Append(log, 0, records: 3);
            Append(log, 3, records: 3);
        }

        Assert.True(File.Exists(Path.Combine(_dir.Partition(), "00000000000000000006.snapshot")));
        using var reopened = Open();

        var retry = Append(reopened, 3, records: 3);
        Assert.True(retry.IsDuplicate);
        Assert.Equal(3, retry.FirstOffset);
        Assert.Equal(6, Append(reopened, 6).FirstOffset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reopen_AfterCrash_RebuildsStateFromSnapshotAndLogTail(bool deleteSnapshots)
    {
        var config = Config(("segment.bytes", "300"));
        var fs = new FaultInjectingFileSystem();
        var crashed = Open(config, fs);
        var infos = new List<LogAppendInfo>();
        for (var i = 0; i < 20; i++)
        {
            infos.Add(Append(crashed, i / 2 * 2, records: 2, pid: Pid + (i % 2)));
        }

        Assert.True(crashed.SegmentCount > 3);
        crashed.WaitForRollFlush();
        fs.CloseAll();
        if (deleteSnapshots)
        {
            foreach (var snapshot in Directory.GetFiles(_dir.Partition(), "*.snapshot"))
            {
                File.Delete(snapshot);
            }
        }
        else
        {
            Assert.NotEmpty(Directory.GetFiles(_dir.Partition(), "*.snapshot"));
        }

        using var reopened = Open(config);

        Assert.Equal(40, reopened.LogEndOffset);
        for (var i = 15; i < 20; i++)
        {
            var retry = Append(reopened, i / 2 * 2, records: 2, pid: Pid + (i % 2));
            Assert.True(retry.IsDuplicate);
            Assert.Equal(infos[i].FirstOffset, retry.FirstOffset);
        }

        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, AppendError(reopened, 21, pid: Pid));
        Assert.Equal(40, Append(reopened, 20, pid: Pid + 1).FirstOffset);
    }

    [Fact]
    public void Reopen_TailCutBelowSnapshot_DiscardsSnapshotAndRebuildsFromLog()
    {
        var directory = _dir.Partition();
        using (var log = Open())
        {
            Append(log, 0, records: 2);
            Append(log, 2, records: 2);
        }

        // The last batch is lost (torn), but the snapshot taken at close still covers it.
        var segment = Directory.GetFiles(directory, "*.log").Single();
        using (var stream = new FileStream(segment, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1);
        }

        File.Delete(Path.Combine(directory, "recovery-point-offset-checkpoint"));
        using var reopened = Open();

        Assert.Equal(2, reopened.LogEndOffset);
        Assert.Equal(1, reopened.GetProducerState(Pid)!.LastSequence);
        Assert.False(Append(reopened, 2, records: 2).IsDuplicate);
    }

    [Fact]
    public void DeleteRecords_RemovingProducerBatches_KeepsStateAcrossCrash()
    {
        var config = Config(("segment.bytes", "300"), ("file.delete.delay.ms", "0"));
        var fs = new FaultInjectingFileSystem();
        var log = Open(config, fs);
        for (var i = 0; i < 10; i++)
        {
            Append(log, i);
        }

        log.DeleteRecordsBefore(-1);
        Assert.Equal(1, log.SegmentCount);
        Assert.True(Append(log, 9).IsDuplicate);
        log.WaitForRollFlush();
        fs.CloseAll();

        using var reopened = Open(config);

        Assert.Equal(10, reopened.LogStartOffset);
        var retry = Append(reopened, 9);
        Assert.True(retry.IsDuplicate);
        Assert.Equal(9, retry.FirstOffset);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, AppendError(reopened, 11));
    }

    [Fact]
    public void RemoveExpiredProducers_IdleLongerThanExpiration_ForgetsThemOnly()
    {
        using var log = Open();
        Append(log, 0, pid: 1, timestamp: _time.NowMs - 10_000);
        Append(log, 0, pid: 2, timestamp: _time.NowMs);
        log.Append(TestBatches.Idempotent(3, 0, 0, timestamp: _time.NowMs - 10_000, transactional: true), 0);

        Assert.Equal(1, log.RemoveExpiredProducers(_time.NowMs, expirationMs: 5_000));

        Assert.Null(log.GetProducerState(1));
        Assert.NotNull(log.GetProducerState(2));
        Assert.NotNull(log.GetProducerState(3));
        Assert.False(Append(log, 7, pid: 1).IsDuplicate);
    }

    [Fact]
    public void Clean_ProducerBatchesLosingAllRecords_KeepTheirHeadersSoStateRebuildsAfterCrash()
    {
        var config = Config(("segment.bytes", "300"), ("cleanup.policy", "compact"), ("file.delete.delay.ms", "0"));
        var fs = new FaultInjectingFileSystem();
        var log = Open(config, fs);
        for (var i = 0; i < 12; i++)
        {
            log.Append(TestBatches.Idempotent(Pid, 0, i * 2, records: 2, timestamp: 5_000 + i, key: "same"), 0);
        }

        var stats = new LogCleaner(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Clean(log, force: true);

        Assert.NotNull(stats);
        Assert.True(stats.RecordsRemoved > 0);
        var batches = log.ReadAll();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (Pid, i * 2, 1, i * 2L, 5_001L + i)), batches.Select(b => (RecordBatchHeader.ProducerId(b), RecordBatchHeader.BaseSequence(b), RecordBatchHeader.LastOffsetDelta(b), RecordBatchHeader.BaseOffset(b), RecordBatchHeader.MaxTimestamp(b))));
        Assert.Contains(batches, b => RecordBatchHeader.RecordsCount(b) == 0 && RecordBatchHeader.IsCrcValid(b));
        log.WaitForRollFlush();
        fs.CloseAll();
        foreach (var snapshot in Directory.GetFiles(_dir.Partition(), "*.snapshot"))
        {
            File.Delete(snapshot);
        }

        using var reopened = Open(config);

        Assert.Equal(new BatchMetadata(22, 23, 22, 23, 5_012), reopened.GetProducerState(Pid)!.LastBatch);
        Assert.Equal(18, Append(reopened, 18, records: 2).FirstOffset);
        Assert.Equal(24, Append(reopened, 24).FirstOffset);
    }

    [Theory]
    [InlineData(0, 4, 4)]
    [InlineData(int.MaxValue - 1, 1, int.MaxValue)]
    [InlineData(int.MaxValue - 1, 2, 0)]
    [InlineData(int.MaxValue, 5, 4)]
    public void ProducerSequence_Increment_WrapsPastIntMax(int sequence, int increment, int expected)
        => Assert.Equal(expected, ProducerSequence.Increment(sequence, increment));

    [Theory]
    [InlineData(4, 5, true)]
    [InlineData(int.MaxValue, 0, true)]
    [InlineData(4, 6, false)]
    [InlineData(-1, 0, true)]
    [InlineData(int.MaxValue, 1, false)]
    public void ProducerSequence_Follows_OnlyTheNextSequence(int last, int next, bool expected)
        => Assert.Equal(expected, ProducerSequence.Follows(last, next));

    [Fact]
    public void Append_NonIdempotentBatches_LeaveNoProducerState()
    {
        using var log = Open();
        log.Append(TestBatches.Create(records: 3), 0);

        Assert.Empty(log.GetProducers());
    }
}
