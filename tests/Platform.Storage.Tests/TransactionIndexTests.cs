using Microsoft.Extensions.Logging.Abstractions;
using Platform.Storage.Testing;
using static Platform.Storage.Tests.LogTestExtensions;

namespace Platform.Storage.Tests;

/// <summary>
/// The per-segment <c>.txnindex</c> (aborted transactions) lives and dies with its segment: retention,
/// DeleteRecords, compaction swaps, recovery cuts and flushes treat it like the segment's other files,
/// so read_committed fetches never lose an abort nor see one that is no longer in the log.
/// </summary>
public sealed class TransactionIndexTests : IDisposable
{
    private const long Pid = 7_000;
    private const short Epoch = 0;

    private readonly TempDir _dir = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("retention.ms", 0)]
    [InlineData("retention.ms", 60_000)]
    [InlineData("delete records", 0)]
    public void SegmentsDeleted_TheirTxnIndexesGoWithThem(string how, long fileDeleteDelayMs)
    {
        var directory = _dir.Partition();
        var config = Config(("segment.bytes", "600"), ("retention.ms", "10000"), ("file.delete.delay.ms", $"{fileDeleteDelayMs}"));
        using var log = OpenLog(directory, config, time: _time);
        // A filler fills a segment by itself, so every transaction sits in a segment of its own.
        for (var i = 0; i < 4; i++)
        {
            Transaction(log, Pid + i, commit: false);
            Filler(log);
        }

        Assert.Equal(4, TxnIndexFiles(directory).Count);
        Assert.Equal(4, log.GetAbortedTransactions(0, long.MaxValue).Count);
        _time.Advance(20_000);
        Filler(log);
        Filler(log);

        if (how == "retention.ms")
        {
            Assert.True(log.ApplyRetention(_time.NowMs) >= 8);
        }
        else
        {
            log.DeleteRecordsBefore(log.HighWatermark - 1);
        }

        if (fileDeleteDelayMs > 0)
        {
            // Kafka's deferred delete: renamed with the log, removed with it once the delay passed.
            Assert.Equal(4, TxnIndexFiles(directory).Count(f => f.EndsWith(".txnindex.deleted", StringComparison.Ordinal)));
            log.DeleteRetiredSegments(_time.NowMs + fileDeleteDelayMs);
        }

        Assert.Empty(TxnIndexFiles(directory));
        Assert.Empty(log.GetAbortedTransactions(0, long.MaxValue));
    }

    [Fact]
    public void Compaction_MergingSegments_MovesAbortsToTheCleanedSegmentAndLeavesNoStaleTxnIndex()
    {
        var directory = _dir.Partition();
        var config = Config(("segment.ms", "1000"), ("cleanup.policy", "compact"), ("file.delete.delay.ms", "0"));
        var log = OpenLog(directory, config, time: _time);
        for (var i = 0; i < 6; i++)
        {
            // Past segment.ms: each round starts a segment, small enough for the cleaner to merge them all.
            _time.Advance(2_000);
            Transaction(log, Pid + i, commit: i % 2 == 1);
            log.Append(TestBatches.Create(timestamp: _time.NowMs, key: "dup"), 0);
        }

        _time.Advance(2_000);
        log.Append(TestBatches.Create(timestamp: _time.NowMs, key: "dup"), 0);
        var segmentsBefore = log.SegmentCount;
        var aborted = log.GetAbortedTransactions(0, long.MaxValue);
        Assert.Equal(3, aborted.Count);
        Assert.Equal(3, TxnIndexFiles(directory).Count);

        var stats = new LogCleaner(NullLogger.Instance).Clean(log, force: true);

        Assert.NotNull(stats);
        Assert.True(stats.RecordsRemoved > 0);
        Assert.True(log.SegmentCount < segmentsBefore, $"{log.SegmentCount} segments: the cleaner merged none");
        AssertEveryTxnIndexBelongsToALiveSegment(directory);
        Assert.Equal(aborted, log.GetAbortedTransactions(0, long.MaxValue));
        log.Close();

        using var reopened = OpenLog(directory, config, time: _time);
        Assert.Equal(aborted, reopened.GetAbortedTransactions(0, long.MaxValue));
    }

    [Theory]
    [InlineData(".txnindex.swap")]
    [InlineData(".log.swap")]
    [InlineData(".log.cleaned")]
    public void Compaction_CrashDuringSwapRenames_ReopenKeepsEveryAbortAndNoLeftovers(string crashingRename)
    {
        var directory = _dir.Partition();
        var config = Config(("segment.ms", "1000"), ("cleanup.policy", "compact"), ("file.delete.delay.ms", "60000"));
        var fs = new FaultInjectingFileSystem { CrashOnRename = (source, _) => source.EndsWith(crashingRename, StringComparison.Ordinal) };
        var log = OpenLog(directory, config, fs, _time);
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(2_000);
            Transaction(log, Pid + i, commit: false);
            log.Append(TestBatches.Create(timestamp: _time.NowMs, key: "dup"), 0);
        }

        _time.Advance(2_000);
        log.Append(TestBatches.Create(timestamp: _time.NowMs, key: "dup"), 0);
        log.Flush();
        var aborted = log.GetAbortedTransactions(0, long.MaxValue);

        Assert.Null(new LogCleaner(NullLogger.Instance).Clean(log, force: true));
        Assert.True(fs.Crashed);
        fs.CloseAll();

        using var reopened = OpenLog(directory, config, time: _time);
        Assert.Empty(Directory.GetFiles(directory, "*.swap"));
        Assert.Empty(Directory.GetFiles(directory, "*.cleaned"));
        AssertEveryTxnIndexBelongsToALiveSegment(directory);
        Assert.Equal(aborted, reopened.GetAbortedTransactions(0, long.MaxValue));
    }

    [Fact]
    public void Recovery_LogTailLostButTxnIndexEntryKept_EntryCutSoTheRegrownLogIsNotAborted()
    {
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        var log = OpenLog(directory, fs: fs, time: _time);
        Transaction(log, Pid, commit: true);
        log.Flush();
        // The log's own size: an O_DIRECT appender's file is longer (padded to a block) until it is closed.
        var durableLength = log.Size;
        var marker = Transaction(log, Pid + 1, commit: false);
        Assert.Single(log.GetAbortedTransactions(0, long.MaxValue));
        fs.CloseAll();

        // The machine died: the index entry reached the disk, the log's unflushed tail (the aborted
        // transaction and its marker) did not.
        var txnIndex = Path.Combine(directory, "00000000000000000000.txnindex");
        Assert.Equal(TransactionIndex.EntrySize, new FileInfo(txnIndex).Length);
        using (var file = File.Open(Path.Combine(directory, "00000000000000000000.log"), FileMode.Open))
        {
            file.SetLength(durableLength);
        }

        using (var reopened = OpenLog(directory, time: _time))
        {
            Assert.Equal(4, reopened.LogEndOffset);
            Assert.Empty(reopened.GetAbortedTransactions(0, long.MaxValue));
            Assert.Equal(0, new FileInfo(txnIndex).Length);

            // Another producer's committed transaction now takes the offsets the lost abort named.
            Assert.Equal(marker, Transaction(reopened, Pid + 2, commit: true));
        }

        using var again = OpenLog(directory, time: _time);
        Assert.Empty(again.GetAbortedTransactions(0, long.MaxValue));
    }

    [Fact]
    public void Recovery_CorruptSegment_DropsLaterSegmentsWithTheirTxnIndexes()
    {
        var directory = _dir.Partition();
        var config = Config(("segment.bytes", "600"));
        var fs = new FaultInjectingFileSystem();
        var log = OpenLog(directory, config, fs, _time);
        Filler(log);
        var kept = Transaction(log, Pid, commit: false);
        for (var i = 1; i < 4; i++)
        {
            Filler(log);
            Transaction(log, Pid + i, commit: false);
        }

        log.WaitForRollFlush();
        fs.CloseAll();
        Assert.Equal(4, TxnIndexFiles(directory).Count);

        // Break the second segment's filler: recovery cuts there and drops every segment after it.
        var segments = Directory.GetFiles(directory, "*.log").Order(StringComparer.Ordinal).ToList();
        var bytes = File.ReadAllBytes(segments[2]);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(segments[2], bytes);
        File.Delete(Path.Combine(directory, "recovery-point-offset-checkpoint"));

        using var reopened = OpenLog(directory, config, time: _time);

        Assert.Equal(kept + 1, reopened.LogEndOffset);
        Assert.Equal([kept], reopened.GetAbortedTransactions(0, long.MaxValue).Select(a => a.LastOffset));
        AssertEveryTxnIndexBelongsToALiveSegment(directory);
        Assert.Single(TxnIndexFiles(directory));
    }

    [Fact]
    public void FlushAndRoll_FsyncTheTxnIndex()
    {
        var directory = _dir.Partition();
        var fs = new FaultInjectingFileSystem();
        using var log = OpenLog(directory, Config(("segment.bytes", "600")), fs, _time);
        var txnIndex = Path.Combine(directory, "00000000000000000000.txnindex");
        Transaction(log, Pid, commit: false);
        Assert.Equal(0, fs.FlushCount(txnIndex));

        log.Flush();

        var afterFlush = fs.FlushCount(txnIndex);
        Assert.True(afterFlush >= 1, "log.Flush() did not fsync the .txnindex");

        // The flush that follows a roll (before the producer snapshot is written) covers it too.
        Transaction(log, Pid + 1, commit: false);
        Filler(log);
        log.WaitForRollFlush();
        Assert.True(log.SegmentCount > 1);
        Assert.True(fs.FlushCount(txnIndex) > afterFlush, "the roll's flush did not fsync the .txnindex");
    }

    /// <summary>One transaction of a fresh producer (3 records), ended by a marker; returns the marker's offset.</summary>
    private long Transaction(PartitionLog log, long producerId, bool commit)
    {
        log.Append(TestBatches.Idempotent(producerId, Epoch, 0, records: 3, timestamp: _time.NowMs, key: "txn", transactional: true), 0);
        return log.AppendMarker(producerId, Epoch, coordinatorEpoch: 0, commit, leaderEpoch: 0).FirstOffset;
    }

    /// <summary>A batch big enough to fill a 600-byte segment alone.</summary>
    private void Filler(PartitionLog log) => log.Append(TestBatches.Create(valueSize: 500, timestamp: _time.NowMs), 0);

    private static List<string> TxnIndexFiles(string directory) => [.. Directory.GetFiles(directory, "*.txnindex*")];

    private static void AssertEveryTxnIndexBelongsToALiveSegment(string directory)
    {
        foreach (var file in TxnIndexFiles(directory))
        {
            Assert.EndsWith(".txnindex", file, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.ChangeExtension(file, ".log")), $"{Path.GetFileName(file)} has no segment");
        }
    }
}
